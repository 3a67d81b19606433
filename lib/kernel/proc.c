// SPDX-License-Identifier: LGPL-2.1-or-later
/* Parsers of /proc/PID/maps and "Key: value kB" files. */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

void pgt_vmas__free(struct pgt_vma *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

int pgt_proc__maps(pid_t pid, struct pgt_vma **out, size_t *n)
{
	char path[64], *text, *line, *save = NULL;
	struct pgt_vma *v = NULL;
	size_t cnt = 0, cap = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	len = pgt_kread_file(path, &text);
	if (len < 0)
		return (int)len;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, b, off, ino;
		unsigned maj, min;
		char perms[8];
		int pos = 0;
		const char *name;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &a, &b, perms, &off, &maj, &min,
			   &ino, &pos) < 7 || b < a)	/* an end before the start: no mapping */
			continue;
		if (cnt == cap) {
			struct pgt_vma *nv = realloc(v, (cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				goto nomem;
			v = nv;
			cap = cap ? cap * 2 : 32;
		}
		name = pos ? line + pos : "";
		while (*name == ' ')
			name++;
		v[cnt].start = a;
		v[cnt].end = b;
		v[cnt].offset = off;
		v[cnt].ino = ino;
		v[cnt].dev_major = maj;
		v[cnt].dev_minor = min;
		snprintf(v[cnt].perms, sizeof(v[cnt].perms), "%.4s", perms);
		v[cnt].path = strdup(name);
		if (!v[cnt].path)
			goto nomem;
		cnt++;
	}
	free(text);
	*out = v;
	*n = cnt;
	return 0;
nomem:
	free(text);
	pgt_vmas__free(v, cnt);
	return -ENOMEM;
}

int pgt_proc__kb(const char *path, const char *key, uint64_t *kb)
{
	char *text, *p;
	size_t klen = strlen(key);
	ssize_t len = pgt_kread_file(path, &text);

	if (len < 0)
		return (int)len;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			unsigned long long v;

			if (sscanf(p + klen + 1, " %llu", &v) == 1) {
				*kb = v;
				free(text);
				return 0;
			}
		}
	}
	free(text);
	return -ENOENT;
}

int pgt_meminfo__kb(const char *key, uint64_t *kb)
{
	return pgt_proc__kb("/proc/meminfo", key, kb);
}

void pgt_file_reqs__free(struct pgt_file_req *reqs, size_t n)
{
	for (size_t i = 0; reqs && i < n; i++) {
		free((char *)reqs[i].path);
		free((char *)reqs[i].label);
	}
	free(reqs);
}

static int open_files(int any_dev, uint64_t dev, struct pgt_file_req **reqs, size_t *n)
{
	char procdir[4096];
	DIR *proc = opendir(pgt_kpath(procdir, sizeof(procdir), "/proc"));
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	*reqs = NULL;
	*n = 0;
	if (!proc)
		return -errno;
	while (!err && (de = readdir(proc))) {
		char dir[4400];
		DIR *fds;
		struct dirent *fe;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s/fd", procdir, de->d_name);
		fds = opendir(dir);
		while (!err && fds && (fe = readdir(fds))) {
			char link[4700], target[4096];
			struct stat sb;
			ssize_t len;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", dir, fe->d_name);
			if (stat(link, &sb) < 0 || !S_ISREG(sb.st_mode) || (!any_dev && sb.st_dev != dev))
				continue;
			len = readlink(link, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = 0;
			if (*n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct pgt_file_req *nr = realloc(*reqs, ncap * sizeof(*nr));

				if (!nr) {
					err = -ENOMEM;
					break;
				}
				*reqs = nr;
				cap = ncap;
			}
			memset(&(*reqs)[*n], 0, sizeof(**reqs));
			(*reqs)[*n].path = strdup(link);
			(*reqs)[*n].label = strdup(target);
			(*n)++;
			if (!(*reqs)[*n - 1].path || !(*reqs)[*n - 1].label)
				err = -ENOMEM;
		}
		if (fds)
			closedir(fds);
	}
	closedir(proc);
	if (err) {
		pgt_file_reqs__free(*reqs, *n);
		*reqs = NULL;
		*n = 0;
	}
	return err;
}

struct pgt_file_req *pgt_open_files(int any_dev, uint64_t dev, size_t *n, int *err)
{
	struct pgt_file_req *reqs;

	*err = open_files(any_dev, dev, &reqs, n);
	return reqs;
}
