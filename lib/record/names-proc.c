// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * names-proc.c - the state dump of /proc at start (and one process read
 * again after a fork or an exec): status, cwd, exe, cgroup, and the files
 * of each process's maps (through lib/kernel/proc.c's parser) and fds,
 * which enter the name table (names.c).  Every read is under the
 * settable kernel root.
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
/* /proc: the state dump */

void pgt_names_strip_deleted(char *s, size_t *len, int *gone)
{
	size_t sl = sizeof(DELETED_SUFFIX) - 1;

	*gone = 0;
	if (*len > sl && !memcmp(s + *len - sl, DELETED_SUFFIX, sl)) {
		*len -= sl;
		s[*len] = 0;
		*gone = 1;
	}
}

/* readlink under the kernel root into @buf; "" on failure. */
static void proc_link(char *buf, size_t size, const char *fmt, int pid)
{
	char path[4200];
	ssize_t len;

	pgt_kpath(path, sizeof(path), fmt, pid);
	len = readlink(path, buf, size - 1);
	if (len < 0 || (size_t)len >= size - 1)
		len = 0;
	buf[len] = 0;
}

static uint32_t status_u32(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			char *end;
			unsigned long v = strtoul(p + kl + 1, &end, 10);

			return end == p + kl + 1 ? 0 : (uint32_t)v;
		}
	}
	return 0;
}

/* The cgroup v2 path of @pid, the "0::PATH" line of /proc/PID/cgroup,
 * into @buf; "" when there is none (no cgroup2 hierarchy) or it cannot
 * be read.  The path is relative to the hierarchy's root as our cgroup
 * namespace sees it, which is what -G compares with. */
static void proc_cgroup(char *buf, size_t size, int pid)
{
	char path[64], *text = NULL;
	const char *p;
	size_t len;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (pgt_kread_file(path, &text) < 0)
		return;
	p = !strncmp(text, "0::", 3) ? text : strstr(text, "\n0::");
	if (p) {
		p += *p == '\n' ? 4 : 3;
		len = strcspn(p, "\n");
		if (len < size) {
			memcpy(buf, p, len);
			buf[len] = 0;
		}
	}
	free(text);
}

/* Status, cwd, exe and cgroup of @pid into @p, the strings interned. */
static int read_proc(struct pgt_names *n, int pid, uint64_t ts, struct pgt_process *p)
{
	char path[64], comm[64] = "", cwd[PATH_MAX], exe[PATH_MAX], cgroup[PATH_MAX], *text, *s;
	struct stat st;
	int have_exe;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	len = pgt_kread_file(path, &text);
	if (len < 0)
		return len == -ENOENT ? -ESRCH : (int)len;
	s = strstr(text, "Name:");
	if (s == text || (s && s[-1] == '\n')) {
		size_t cl;

		s += 5;
		while (*s == '\t' || *s == ' ')
			s++;
		cl = strcspn(s, "\n");
		snprintf(comm, sizeof(comm), "%.*s", (int)(cl < 63 ? cl : 63), s);
	}
	memset(p, 0, sizeof(*p));
	p->ts = ts;
	p->op = PGT_PROC_STATE;
	p->pid = (uint32_t)pid;
	p->tgid = status_u32(text, "Tgid");
	p->ppid = status_u32(text, "PPid");
	p->uid = status_u32(text, "Uid");
	p->gid = status_u32(text, "Gid");
	free(text);
	if (!p->tgid)
		p->tgid = (uint32_t)pid;
	proc_link(cwd, sizeof(cwd), "/proc/%d/cwd", pid);
	proc_link(exe, sizeof(exe), "/proc/%d/exe", pid);
	proc_cgroup(cgroup, sizeof(cgroup), pid);
	pgt_kpath(path, sizeof(path), "/proc/%d/exe", pid);
	have_exe = exe[0] == '/' && !stat(path, &st) && S_ISREG(st.st_mode);

	pthread_mutex_lock(&n->lock);
	p->comm = pgt_names_intern(n, comm);
	p->cwd = pgt_names_intern(n, cwd);
	p->exe = pgt_names_intern(n, exe);
	p->cgroup = pgt_names_intern(n, cgroup);
	if (have_exe) {
		size_t el = strlen(exe);
		int gone;

		pgt_names_strip_deleted(exe, &el, &gone);
		pgt_names_name_static(n, st.st_dev, st.st_ino, exe, el, PGT_NAME_PROC, gone, NULL);
	}
	pthread_mutex_unlock(&n->lock);
	return p->comm && p->cwd && p->exe && p->cgroup ? 0 : -ENOMEM;
}

int pgt_names__proc(struct pgt_names *n, pid_t pid, uint64_t ts, struct pgt_process *p)
{
	return read_proc(n, (int)pid, ts, p);
}

/* The files of /proc/PID/maps into the table, read by lib/kernel/proc.c's
 * parser (the one the task snapshot uses). */
static int scan_maps(struct pgt_names *n, int pid)
{
	struct pgt_vma *v = NULL;
	size_t nv = 0;
	int err = 0;

	/* a process gone or unreadable names nothing */
	if (pgt_proc__maps(pid, &v, &nv) < 0)
		return 0;
	pthread_mutex_lock(&n->lock);
	for (size_t i = 0; i < nv && err >= 0; i++) {
		char *name = v[i].path;
		size_t len;
		int gone;

		if (!v[i].ino || *name != '/')
			continue;
		len = strlen(name);
		pgt_names_strip_deleted(name, &len, &gone);
		err = pgt_names_name_static(n, makedev(v[i].dev_major, v[i].dev_minor), v[i].ino, name, len,
				  PGT_NAME_PROC, gone, NULL);
	}
	pthread_mutex_unlock(&n->lock);
	pgt_vmas__free(v, nv);
	return err < 0 ? err : 0;
}

/* The regular files open in /proc/PID/fd into the table. */
static int scan_fds(struct pgt_names *n, int pid)
{
	char dir[4200], link[4200 + 260], target[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	pgt_kpath(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (err >= 0 && (de = readdir(d))) {
		struct stat st;
		ssize_t len;
		size_t tl;
		int gone;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0 || (size_t)len >= sizeof(target) - 1 || target[0] != '/')
			continue;
		target[len] = 0;
		if (stat(link, &st) || !S_ISREG(st.st_mode))
			continue;
		tl = (size_t)len;
		pgt_names_strip_deleted(target, &tl, &gone);
		pthread_mutex_lock(&n->lock);
		err = pgt_names_name_static(n, st.st_dev, st.st_ino, target, tl, PGT_NAME_PROC, gone, NULL);
		pthread_mutex_unlock(&n->lock);
	}
	closedir(d);
	return err < 0 ? err : 0;
}

int pgt_names__dump_proc(struct pgt_names *n, uint64_t ts,
			 int (*proc_cb)(const struct pgt_process *p, void *ctx), void *ctx)
{
	char dir[4200];
	struct dirent *de;
	int seen = 0, err = 0;
	DIR *d;

	d = opendir(pgt_kpath(dir, sizeof(dir), "/proc"));
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		struct pgt_process p;
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		err = read_proc(n, (int)pid, ts, &p);
		if (err == -ENOMEM)
			break;
		if (err) {
			/* vanished or not ours to read */
			err = 0;
			continue;
		}
		if ((err = scan_maps(n, (int)pid)) || (err = scan_fds(n, (int)pid)))
			break;
		seen++;
		if (proc_cb && (err = proc_cb(&p, ctx)) > 0)
			err = 0;
	}
	closedir(d);
	return err < 0 ? err : seen;
}
