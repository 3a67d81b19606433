// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tracefs-format.c - an event's format file (events/SYS/NAME/format of
 * tracefs): its ID and the offset and size of the fields a decoder asks
 * for by name.  Moved here from the recorder so every reader of kernel
 * files sits in lib/kernel; the recorder passes its field table
 * (lib/record/instance.c) and keeps the vocabulary.  Fuzzed by
 * fuzz/fuzz-tracefs-format.c.
 *
 * Why not libtraceevent's parser: the recorder decodes millions of
 * records a second by fixed offsets, and needs only a few numbers per
 * event, which this reads in one pass without building an event handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "pgtrace/pgtrace.h"

#define FORMAT_MAX 65535	/* bytes of a format file read; real ones are a few KB */

ssize_t pgt_tracefs_format__read(const char *tracing_dir, const char *sys, const char *name,
				 char **out)
{
	char rel[512];
	char *text;
	ssize_t n;
	int fd;

	*out = NULL;
	snprintf(rel, sizeof(rel), "%s/events/%s/%s/format", tracing_dir, sys, name);
	fd = pgt_kopen(rel, O_RDONLY);
	if (fd < 0)
		return fd;
	text = malloc(FORMAT_MAX + 1);
	n = text ? pgt_read_full(fd, text, FORMAT_MAX) : -ENOMEM;
	close(fd);
	if (n <= 0) {
		free(text);
		return 0;
	}
	text[n] = 0;
	*out = text;
	return n;
}

int pgt_tracefs_format__fields(const char *text, const char *const (*names)[2], unsigned nfields,
			       int *id, int16_t *offs, uint8_t *sizes)
{
	const char *p = text;

	for (unsigned f = 0; f < nfields; f++)
		offs[f] = -1, sizes[f] = 0;
	*id = -1;
	if (sscanf(text, "name: %*s ID: %d", id) != 1) {
		const char *idp = strstr(text, "ID:");

		if (!idp || sscanf(idp, "ID: %d", id) != 1)
			return -PGT_EPARSE;
	}
	while ((p = strstr(p, "field:"))) {
		const char *semi = strchr(p, ';'), *name;
		int off, size;
		size_t nlen;

		if (!semi)
			break;
		/* the name is the last word before ';', maybe with [N] */
		name = semi;
		while (name > p && name[-1] != ' ' && name[-1] != '\t')
			name--;
		nlen = strcspn(name, ";[");
		if (sscanf(semi, "; offset:%d; size:%d;", &off, &size) != 2) {
			const char *o = strstr(semi, "offset:");

			if (!o || sscanf(o, "offset:%d; size:%d;", &off, &size) != 2) {
				p = semi;
				continue;
			}
		}
		/* what the table cannot hold would be read somewhere else */
		if (off < 0 || off > INT16_MAX || size < 1 || size > UINT8_MAX) {
			p = semi;
			continue;
		}
		for (unsigned f = 0; f < nfields; f++)
			for (int alt = 0; alt < 2; alt++) {
				const char *want = names[f][alt];

				if (want && strlen(want) == nlen && !strncmp(name, want, nlen) && offs[f] < 0) {
					offs[f] = (int16_t)off;
					sizes[f] = (uint8_t)size;
				}
			}
		p = semi;
	}
	return *id >= 0 && *id < PGT_TRACEFS_MAX_ID ? 0 : -PGT_EPARSE;
}
