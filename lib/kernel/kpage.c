// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /proc/iomem and the kernel page-flag bits of /proc/kpageflags
 * (include/uapi/linux/kernel-page-flags.h plus the kernel-internal bits
 * it exports, names as page-types prints them).
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel.h"
#include "util/parse-error.h"

static const char *const kpf_names[64] = {
	[0] = "locked", [1] = "error", [2] = "referenced", [3] = "uptodate",
	[4] = "dirty", [5] = "lru", [6] = "active", [7] = "slab",
	[8] = "writeback", [9] = "reclaim", [10] = "buddy", [11] = "mmap",
	[12] = "anon", [13] = "swapcache", [14] = "swapbacked", [15] = "compound_head",
	[16] = "compound_tail", [17] = "huge", [18] = "unevictable", [19] = "hwpoison",
	[20] = "nopage", [21] = "ksm", [22] = "thp", [23] = "offline",
	[24] = "zero_page", [25] = "idle", [26] = "pgtable",
	[32] = "reserved", [33] = "mlocked", [34] = "owner_2", [35] = "private",
	[36] = "private_2", [37] = "owner_private", [38] = "arch", [39] = "uncached",
	[40] = "softdirty", [41] = "arch_2", [42] = "arch_3",
};

const char *pgt_kpf_name(unsigned bit)
{
	return bit < 64 ? kpf_names[bit] : NULL;
}

char *pgt_kpf_format(uint64_t flags, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	for (unsigned b = 0; b < 64; b++) {
		int n;

		if (!(flags & (1ull << b)))
			continue;
		if (kpf_names[b])
			n = snprintf(buf + at, len - at, "%s%s", at ? "," : "", kpf_names[b]);
		else
			n = snprintf(buf + at, len - at, "%sbit%u", at ? "," : "", b);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
	return buf;
}

int pgt_kpf_parse(const char *spec, uint64_t *set, uint64_t *clear, struct pgt_parse_error *pe)
{
	const char *p = spec;

	*set = *clear = 0;
	while (*p) {
		const char *word = p, *num;
		size_t len, nlen;
		int neg = 0, bit = -1;

		if (*p == '~' || *p == '!') {
			neg = 1;
			p++;
		}
		len = strcspn(p, ",");
		for (unsigned b = 0; b < 64 && bit < 0; b++)
			if (kpf_names[b] && strlen(kpf_names[b]) == len && !strncasecmp(kpf_names[b], p, len))
				bit = (int)b;
		/* a bit number, bare or as pgt_kpf_format() prints it ("bit55") */
		num = p;
		nlen = len;
		if (len > 3 && !strncasecmp(p, "bit", 3))
			num += 3, nlen -= 3;
		if (bit < 0 && nlen && nlen <= 2 && isdigit((unsigned char)num[0]) &&
		    (nlen == 1 || isdigit((unsigned char)num[1]))) {
			bit = atoi(num);	/* at most two digits, checked */
			if (bit > 63)
				bit = -1;
		}
		if (bit < 0) {
			pgt_parse_error__set(pe, 0, (size_t)(word - spec), (size_t)(p + len - word),
					     "unknown page flag '%.*s'", (int)(p + len - word), word);
			return -PGT_EPARSE;
		}
		if (neg)
			*clear |= 1ull << bit;
		else
			*set |= 1ull << bit;
		p += len;
		if (*p == ',') {
			p++;
			if (!*p) {
				pgt_parse_error__set(pe, 0, (size_t)(p - spec), 0, "no flag after ','");
				return -PGT_EPARSE;
			}
		}
	}
	if (p == spec) {
		pgt_parse_error__set(pe, 0, 0, 0, "no flag given");
		return -PGT_EPARSE;
	}
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct pgt_pfn_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int pgt_iomem__ram(struct pgt_pfn_span **out, size_t *n)
{
	char *text, *line, *save = NULL;
	struct pgt_pfn_span *v = NULL;
	size_t cnt = 0, cap = 0, merged = 0;
	ssize_t len = pgt_kread_file("/proc/iomem", &text);
	int zero = 0;

	if (len < 0)
		return (int)len;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, b;
		int pos = 0;

		/* top level only: nested resources are indented */
		if (line[0] == ' ')
			continue;
		if (sscanf(line, "%llx-%llx : %n", &a, &b, &pos) != 2 || !pos)
			continue;
		if (strcmp(line + pos, "System RAM"))
			continue;
		if (a == 0 && b == 0) {
			zero = 1;	/* addresses hidden from unprivileged readers */
			continue;
		}
		if (cnt == cap) {
			struct pgt_pfn_span *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				free(v);
				free(text);
				return -ENOMEM;
			}
			v = nv;
			cap = cap ? cap * 2 : 16;
		}
		/* whole pages inside the range (no overflow near 2^64) */
		v[cnt].start = a / 4096 + (a % 4096 != 0);
		v[cnt].end = b / 4096 + (b % 4096 == 4095);
		if (v[cnt].end > v[cnt].start)
			cnt++;
	}
	free(text);
	if (!cnt) {
		free(v);
		return zero ? -EPERM : -ENOENT;
	}
	qsort(v, cnt, sizeof(*v), span_cmp);
	/* overlapping or repeated lines: one span, so no frame is walked twice */
	for (size_t i = 1; i < cnt; i++) {
		if (v[i].start > v[merged].end)
			v[++merged] = v[i];
		else if (v[i].end > v[merged].end)
			v[merged].end = v[i].end;
	}
	*out = v;
	*n = merged + 1;
	return 0;
}

int pgt_kpageflags__max_pfn(uint64_t *out)
{
	struct stat sb;
	uint64_t lo = 0, hi = 1ull << 60, v;
	int fd = pgt_kopen("/proc/kpageflags", O_RDONLY), err = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0) {
		err = -errno;
		goto out;
	}
	if (sb.st_size) {
		*out = (uint64_t)sb.st_size / 8;
		goto out;
	}
	/* procfs gives no size: reads past the last frame return nothing,
	 * so the end is found by bisection (some 60 reads) */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		ssize_t got = pgt_pread_full(fd, &v, 8, mid * 8);

		if (got < 0) {
			err = (int)got;
			goto out;
		}
		if (got == 8)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = lo;
out:
	close(fd);
	return err;
}

int pgt_kpageflags__read(uint64_t pfn, uint64_t *flags)
{
	int fd = pgt_kopen("/proc/kpageflags", O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return fd;
	got = pgt_pread_full(fd, flags, 8, pfn * 8);
	close(fd);
	if (got < 0)
		return (int)got;
	return got == 8 ? 0 : -ERANGE;
}
