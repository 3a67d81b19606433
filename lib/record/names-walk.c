// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * names-walk.c - the final walk: inodes still unnamed at the end of a
 * recording, looked for by readdir's d_ino (no stat per entry) on the
 * mounted filesystems of their devices, within a time budget.
 */
#include <ctype.h>
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "kernel/kernel.h"
#include "record/names.h"
#include "record/names-int.h"
#include "util/hindex.h"
#include "util/u64map.h"
#include "util/util.h"

/* ------------------------------------------------------------------ */
/* The walk */

struct walk {
	struct pgt_names *n;
	const uint64_t (*keys)[2];
	uint8_t *found;
	struct pgt_hindex want;	/* ino -> key position, one device at a time */
	uint64_t dev, deadline, nfound;
	size_t left;		/* wanted inodes of this device not found yet */
	unsigned tick;
	int timeout;
	int (*cb)(const struct pgt_name_event *ev, void *ctx);
	void *ctx;
};

static int eq_ino(const void *ctx, uint32_t pos, const void *key)
{
	const struct walk *wk = ctx;

	return wk->keys[pos][1] == *(const uint64_t *)key;
}

static int walk_expired(struct walk *wk)
{
	if (!wk->timeout && wk->deadline && now_ns() >= wk->deadline)
		wk->timeout = 1;
	return wk->timeout;
}

/* Entry @name of directory @dir (fd @dfd) has a wanted inode number:
 * check it really is that (dev, ino) and name it. */
static int walk_hit(struct walk *wk, int dfd, const char *dir, const char *name, long k)
{
	struct pgt_name_event ev;
	struct stat st;
	char *path;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) || st.st_dev != wk->dev ||
	    st.st_ino != wk->keys[k][1])
		return 0;
	if (asprintf(&path, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0)
		return -ENOMEM;
	memset(&ev, 0, sizeof(ev));
	pthread_mutex_lock(&wk->n->lock);
	r = pgt_names_name_static(wk->n, wk->dev, st.st_ino, path, strlen(path), PGT_NAME_WALK, 0, &ev.path);
	pthread_mutex_unlock(&wk->n->lock);
	free(path);
	if (r < 0)
		return r;
	wk->found[k] = 1;
	wk->left--;
	wk->nfound++;
	ev.ts = now_ns();
	ev.dev = wk->dev;
	ev.ino = st.st_ino;
	ev.op = PGT_OBJ_DEFINE;
	ev.src = PGT_NAME_WALK;
	r = wk->cb ? wk->cb(&ev, wk->ctx) : 0;
	return r < 0 ? r : 0;
}

/* Breadth first from @top, so shallow files are found first and a
 * deep tree cannot hold the budget; stays on device wk->dev. */
static int walk_tree(struct walk *wk, const char *top)
{
	struct pgt_buf q = { 0 }, cur = { 0 };
	size_t head = 0;
	int err = pgt_buf__append(&q, top, strlen(top) + 1);

	while (!err && head < q.len && wk->left && !walk_expired(wk)) {
		struct dirent *de;
		struct stat st;
		size_t l = strlen((const char *)q.data + head) + 1;
		const char *dir;
		int dfd;
		DIR *d;

		cur.len = 0;
		if ((err = pgt_buf__append(&cur, q.data + head, l)))
			break;
		head += l;
		if (head > (1u << 20) && head * 2 > q.len) {
			memmove(q.data, q.data + head, q.len - head);
			q.len -= head;
			head = 0;
		}
		dir = (const char *)cur.data;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		if (fstat(dfd, &st) || st.st_dev != wk->dev) {
			close(dfd);
			continue;
		}
		d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			continue;
		}
		while (!err && wk->left && (de = readdir(d))) {
			const char *nm = de->d_name;
			uint64_t ino = de->d_ino;
			int isdir = de->d_type == DT_DIR;
			long k;

			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			if (++wk->tick % WALK_CHECK_EVERY == 0 && walk_expired(wk))
				break;
			k = pgt_hindex__find(&wk->want, u64map_hash(ino), eq_ino, wk, &ino);
			if (k >= 0 && !wk->found[k])
				err = walk_hit(wk, dirfd(d), dir, nm, k);
			if (de->d_type == DT_UNKNOWN) {
				struct stat es;

				isdir = !fstatat(dirfd(d), nm, &es, AT_SYMLINK_NOFOLLOW) &&
					S_ISDIR(es.st_mode);
			}
			if (isdir && !err) {
				size_t dl = strlen(dir);

				if (!(err = pgt_buf__append(&q, dir, dl)) &&
				    !(err = (dl == 1 && dir[0] == '/') ? 0 : pgt_buf__append(&q, "/", 1)))
					err = pgt_buf__append(&q, nm, strlen(nm) + 1);
			}
		}
		closedir(d);
	}
	pgt_buf__release(&q);
	pgt_buf__release(&cur);
	return err;
}

static int cmp_key_dev(const void *a, const void *b, void *arg)
{
	const uint64_t (*keys)[2] = arg;
	uint64_t da = keys[*(const size_t *)a][0], db = keys[*(const size_t *)b][0];

	return da < db ? -1 : da > db;
}

ssize_t pgt_names__walk(struct pgt_names *n, const uint64_t (*keys)[2], size_t nkeys,
			uint64_t budget_ns, int (*cb)(const struct pgt_name_event *ev, void *ctx),
			void *ctx)
{
	struct walk wk = { .n = n, .keys = keys, .cb = cb, .ctx = ctx };
	struct pgt_mountinfo *mi = NULL;
	size_t *order = NULL, nord = 0, nmi = 0, i, j;
	char *text = NULL;
	int err = 0;

	if (!nkeys)
		return 0;
	wk.deadline = budget_ns ? now_ns() + budget_ns : 0;
	wk.found = calloc(nkeys, 1);
	order = malloc(nkeys * sizeof(*order));
	if (!wk.found || !order) {
		err = -ENOMEM;
		goto out;
	}
	/* only the keys still unnamed */
	pthread_mutex_lock(&n->lock);
	for (i = 0; i < nkeys; i++)
		if (pgt_names_ent_find(n, keys[i][0], keys[i][1]) < 0)
			order[nord++] = i;
	pthread_mutex_unlock(&n->lock);
	if (!nord)
		goto out;
	qsort_r(order, nord, sizeof(*order), cmp_key_dev, (void *)keys);
	if ((err = pgt_mountinfo__read(&text, &mi, &nmi)))
		goto out;

	for (i = 0; i < nord && !err && !walk_expired(&wk); i = j) {
		unsigned maj = major(keys[order[i]][0]), min = minor(keys[order[i]][0]);
		int whole = 0;

		wk.dev = keys[order[i]][0];
		pgt_hindex__clear(&wk.want);
		wk.left = 0;
		for (j = i; j < nord && keys[order[j]][0] == wk.dev; j++) {
			uint64_t ino = keys[order[j]][1];

			if (pgt_hindex__find(&wk.want, u64map_hash(ino), eq_ino, &wk, &ino) >= 0)
				continue;
			if ((err = pgt_hindex__put(&wk.want, u64map_hash(ino), (uint32_t)order[j])))
				goto out;
			wk.left++;
		}
		/* a mount of the whole filesystem if there is one, else every
		 * mount of a part of it */
		for (size_t m = 0; m < nmi; m++)
			if (mi[m].maj == maj && mi[m].min == min && !strcmp(mi[m].root, "/"))
				whole = 1;
		for (size_t m = 0; m < nmi && !err && wk.left && !walk_expired(&wk); m++) {
			if (mi[m].maj != maj || mi[m].min != min || (whole && strcmp(mi[m].root, "/")))
				continue;
			err = walk_tree(&wk, mi[m].mnt);
			if (whole)
				break;
		}
	}
out:
	pgt_hindex__release(&wk.want);
	free(wk.found);
	free(order);
	free(mi);
	free(text);
	return err ? err : (ssize_t)wk.nfound;
}
