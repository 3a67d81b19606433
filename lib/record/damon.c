// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DAMON through its sysfs interface: one kdamond, one context with the
 * physical-address operations, one target whose regions are the System
 * RAM ranges of /proc/iomem.  Without explicit regions a paddr monitor
 * runs but reports nothing (seen on 6.18), hence the regions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>

#include "kernel/kernel.h"
#include "record-int.h"

#define DAMON_DIR "/sys/kernel/mm/damon/admin/kdamonds"
/* Which recorder started the monitor: a killed recorder cannot stop it,
 * and the next one must tell its leftover from someone else's. */
#define OWNER_DIR "/run/pgtrace"
#define OWNER_FILE OWNER_DIR "/damon.pid"

static long owner_pid(void)
{
	char buf[32] = "";
	int fd = open(OWNER_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : 0;
}

static void set_owner(void)
{
	char buf[32];
	int fd, len;

	mkdir(OWNER_DIR, 0755);
	fd = open(OWNER_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len)
		unlink(OWNER_FILE);
	close(fd);
}

static int put(const char *rel, const char *fmt, ...) PGT_PRINTF(2, 3);

static int put(const char *rel, const char *fmt, ...)
{
	char path[512], val[64];
	va_list ap;
	int fd, len, err = 0;

	snprintf(path, sizeof(path), DAMON_DIR "/%s", rel);
	va_start(ap, fmt);
	len = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	fd = pgt_kopen(path, O_WRONLY);
	if (fd < 0)
		return fd;
	if (write(fd, val, (size_t)len) != len)
		err = -errno;
	close(fd);
	return err;
}

int pgt_damon_start(uint64_t sample_us, uint64_t aggr_us)
{
	struct pgt_pfn_span *spans = NULL;
	char *cur = NULL;
	size_t n = 0;
	int err;

	if (pgt_kread_file(DAMON_DIR "/nr_kdamonds", &cur) < 0)
		return -ENOENT;
	if (atoi(cur) != 0 && owner_pid() > 0 && kill((pid_t)owner_pid(), 0) < 0 && errno == ESRCH) {
		/* the monitor of a recorder that died: ours to stop */
		pgt_damon_stop();
		free(cur);
		cur = NULL;
		if (pgt_kread_file(DAMON_DIR "/nr_kdamonds", &cur) < 0)
			return -ENOENT;
	}
	if (atoi(cur) != 0) {
		char *state = NULL, *ops = NULL;
		int reuse;

		free(cur);
		/* Someone else's monitor: never touch it.  If it watches
		 * physical memory and runs, its damon_aggregated events are
		 * exactly what we want: listen to them. */
		pgt_kread_file(DAMON_DIR "/0/state", &state);
		pgt_kread_file(DAMON_DIR "/0/contexts/0/operations", &ops);
		reuse = state && ops && !strncmp(state, "on", 2) && !strncmp(ops, "paddr", 5);
		free(state);
		free(ops);
		return reuse ? 1 : -EBUSY;
	}
	free(cur);
	err = pgt_iomem__ram(&spans, &n);
	if (err)
		return err;
	if ((err = put("nr_kdamonds", "1")) ||
	    (err = put("0/contexts/nr_contexts", "1")) ||
	    (err = put("0/contexts/0/operations", "paddr")) ||
	    (err = put("0/contexts/0/monitoring_attrs/intervals/sample_us", "%llu",
		       (unsigned long long)(sample_us ? sample_us : 5000))) ||
	    (err = put("0/contexts/0/monitoring_attrs/intervals/aggr_us", "%llu",
		       (unsigned long long)(aggr_us ? aggr_us : 100000))) ||
	    (err = put("0/contexts/0/targets/nr_targets", "1")) ||
	    (err = put("0/contexts/0/targets/0/regions/nr_regions", "%zu", n)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "0/contexts/0/targets/0/regions/%zu/start", i);
		if ((err = put(rel, "%llu", (unsigned long long)(spans[i].start * 4096))))
			goto fail;
		snprintf(rel, sizeof(rel), "0/contexts/0/targets/0/regions/%zu/end", i);
		if ((err = put(rel, "%llu", (unsigned long long)(spans[i].end * 4096))))
			goto fail;
	}
	err = put("0/state", "on");
	if (err)
		goto fail;
	set_owner();
	free(spans);
	return 0;
fail:
	free(spans);
	pgt_damon_stop();
	return err;
}

void pgt_damon_stop(void)
{
	put("0/state", "off");
	put("nr_kdamonds", "0");
	unlink(OWNER_FILE);
}
