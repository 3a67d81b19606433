// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * blockdev.c - a block device's name and size from sysfs
 * (/sys/dev/block/MAJ:MIN/{uevent,size}), under the settable root: the
 * recorder names the page cache of a block device's own inode with them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "pgtrace/parse.h"
#include "pgtrace/pgtrace.h"

int pgt_blockdev__info(unsigned maj, unsigned min, char *devname, size_t size, uint64_t *bytes)
{
	char path[96], *text = NULL, *line, *save = NULL;
	uint64_t sectors;
	ssize_t len;

	devname[0] = 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	len = pgt_kread_file(path, &text);
	if (len < 0)
		return (int)len;
	/* the last DEVNAME= line wins, as lines are read in order */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "DEVNAME=", 8))
			snprintf(devname, size, "/dev/%s", line + 8);
	free(text);
	*bytes = PGT_SIZE_UNKNOWN;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size", maj, min);
	len = pgt_kread_file(path, &text);
	if (len >= 0) {
		/* "2097152\n": one number through the checked parser (sscanf
		 * took " -1" and wrapped past 2^64 / 512 sectors) */
		if (len && text[len - 1] == '\n')
			text[len - 1] = 0;
		if (!pgt_parse_u64(text, &sectors) && sectors <= UINT64_MAX / 512)
			*bytes = sectors * 512;
		free(text);
	}
	return 0;
}
