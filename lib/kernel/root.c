// SPDX-License-Identifier: LGPL-2.1-or-later
/* Where the kernel's files are: "/" normally, a fake tree in tests. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel.h"

static char *kroot;	/* NULL: the real root */

int pgt_kernel__set_root(const char *root)
{
	char *r = NULL;

	if (root && *root && strcmp(root, "/")) {
		r = strdup(root);
		if (!r)
			return -ENOMEM;
	}
	free(kroot);
	kroot = r;
	return 0;
}

const char *pgt_kernel__root(void)
{
	return kroot ? kroot : "";
}

const char *pgt_kpath(char *buf, size_t len, const char *fmt, ...)
{
	char rel[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(buf, len, "%s%s", pgt_kernel__root(), rel);
	return buf;
}

int pgt_kopen(const char *path, int flags)
{
	char full[4096];
	int fd;

	pgt_kpath(full, sizeof(full), "%s", path);
	fd = open(full, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

ssize_t pgt_kread_file(const char *path, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd = pgt_kopen(path, O_RDONLY);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? fd : -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	*out = buf;
	return (ssize_t)len;
}
