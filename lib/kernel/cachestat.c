// SPDX-License-Identifier: LGPL-2.1-or-later
/* cachestat(2), Linux 6.5: page-cache state of a file range without
 * mapping it.  glibc 2.36 has no wrapper, so it is called directly. */
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "kernel.h"

int pgt_cachestat(int fd, uint64_t off, uint64_t len, struct pgt_cachestat *cs)
{
	struct pgt_cachestat_range r = { off, len };

	if (syscall(__NR_cachestat, (unsigned)fd, &r, cs, 0u) < 0)
		return -errno;
	return 0;
}

static int cs_avail = -1;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;

static void cs_probe(void)
{
	struct pgt_cachestat cs;

	/* An invalid descriptor tells ENOSYS (missing) from EBADF (there). */
	cs_avail = pgt_cachestat(-1, 0, 0, &cs) != -ENOSYS;
}

int pgt_cachestat__available(void)
{
	pthread_once(&cs_once, cs_probe);
	return cs_avail;
}
