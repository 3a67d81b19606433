// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mountinfo.c - the mounts of /proc/self/mountinfo: one parser for the
 * recorder's fanotify marks and final walk (lib/record/names-*.c), its
 * block-device names (lib/record/resolve.c) and record -G's cgroup2
 * hierarchy (cmd/record.c).  Read under the settable root; fuzzed by
 * fuzz/fuzz-mountinfo.c (and fuzz-proc.c's mountinfo part).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

int pgt_mountinfo__parse(char *text, struct pgt_mountinfo **out, size_t *nout)
{
	char *line, *save = NULL;
	struct pgt_mountinfo *m = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*nout = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fld[8], *sv = NULL, *t;
		int nf = 0;

		/* id parent maj:min root mnt opts [optional...] - fstype source super */
		for (t = strtok_r(line, " ", &sv); t && nf < 8; t = strtok_r(NULL, " ", &sv))
			if (nf != 6 || !strcmp(t, "-"))
				fld[nf++] = t;
		/* fld: id parent maj:min root mnt opts "-" fstype */
		if (nf < 8 || strcmp(fld[6], "-"))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct pgt_mountinfo *nm = realloc(m, nc * sizeof(*m));

			if (!nm) {
				free(m);
				return -ENOMEM;
			}
			m = nm;
			cap = nc;
		}
		if (sscanf(fld[2], "%u:%u", &m[n].maj, &m[n].min) != 2)
			continue;
		unescape(fld[3]);
		unescape(fld[4]);
		m[n].root = fld[3];
		m[n].mnt = fld[4];
		m[n].fstype = fld[7];
		n++;
	}
	*out = m;
	*nout = n;
	return 0;
}

int pgt_mountinfo__read(char **text, struct pgt_mountinfo **out, size_t *nout)
{
	char *buf = NULL;
	ssize_t len = pgt_kread_file("/proc/self/mountinfo", &buf);
	int err;

	*text = NULL;
	*out = NULL;
	*nout = 0;
	if (len < 0)
		return (int)len;
	err = pgt_mountinfo__parse(buf, out, nout);
	if (err) {
		free(buf);
		return err;
	}
	*text = buf;
	return 0;
}

const struct pgt_mountinfo *pgt_mountinfo__find_fstype(const struct pgt_mountinfo *m, size_t n,
							 const char *fstype)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].fstype, fstype))
			return &m[i];
	return NULL;
}

const struct pgt_mountinfo *pgt_mountinfo__find_dev(const struct pgt_mountinfo *m, size_t n,
						      unsigned maj, unsigned min)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].maj == maj && m[i].min == min)
			return &m[i];
	return NULL;
}

const struct pgt_mountinfo *pgt_mountinfo__find_path(const struct pgt_mountinfo *m, size_t n,
						       unsigned maj, unsigned min, const char *path)
{
	const struct pgt_mountinfo *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(m[i].mnt);

		if (m[i].maj != maj || m[i].min != min || strncmp(path, m[i].mnt, len))
			continue;
		/* "/srv" holds "/srv/db" and "/srv", not "/srvx"; "/" holds all */
		if (path[len] && path[len] != '/' && strcmp(m[i].mnt, "/"))
			continue;
		if (!best || len >= best_len) {
			best = &m[i];
			best_len = len;
		}
	}
	return best;
}
