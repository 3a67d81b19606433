// SPDX-License-Identifier: LGPL-2.1-or-later
/* PAGEMAP_SCAN (Linux 6.7) on an open /proc/PID/pagemap. */
#include <stdlib.h>
#include <sys/ioctl.h>

#include "kernel.h"

ssize_t pgt_pagemap__scan(int fd, uint64_t start, uint64_t end,
			  struct pgt_page_region **regs, size_t *cap)
{
	size_t n = 0;

	while (start < end) {
		struct pgt_pm_scan_arg a = { 0 };
		long got;

		if (*cap - n < 1024) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			struct pgt_page_region *r = realloc(*regs, ncap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			*regs = r;
			*cap = ncap;
		}
		a.size = sizeof(a);
		a.start = start;
		a.end = end;
		a.vec = (uint64_t)(uintptr_t)(*regs + n);
		a.vec_len = *cap - n;
		a.category_anyof_mask = PGT_PAGE_IS_PRESENT | PGT_PAGE_IS_SWAPPED;
		a.return_mask = PGT_PAGE_IS_PRESENT | PGT_PAGE_IS_SWAPPED | PGT_PAGE_IS_FILE;
		got = ioctl(fd, PGT_PAGEMAP_SCAN, &a);
		if (got < 0)
			return -errno;
		n += (size_t)got;
		/* walk_end can lag behind the last region returned when the
		 * kernel copied out several internal batches (seen on 6.18):
		 * resume after whichever is further, or regions repeat. */
		if (a.walk_end >= end || (size_t)got < a.vec_len)
			break;
		start = a.walk_end;
		if (got && (*regs)[n - 1].end > start)
			start = (*regs)[n - 1].end;
	}
	return (ssize_t)n;
}
