// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pgt-test-helper - puts pages into known states for the end-to-end tests
 * of 'pgtrace snap' (t/t01xx-snap-*.sh).
 *
 *   pgt-test-helper drop FILE...
 *	write back and drop the page cache of each file
 *   pgt-test-helper read FILE RANGE...
 *	read exactly the pages of each RANGE (N, or A..B with B excluded):
 *	POSIX_FADV_RANDOM turns readahead off, so nothing else gets cached
 *   pgt-test-helper task SPEC...
 *	map memory, touch known pages, print what was done, then wait
 *	(for SIGTERM, or 10 minutes).  SPECs:
 *	  anon:N:STEP      N anonymous pages, every STEP-th touched (written)
 *	  read:N:STEP      the same, but read: the shared zero page is mapped
 *	  file:PATH:RANGE[,RANGE...]   map PATH shared, read the pages of the
 *	                   ranges (drop PATH's cache first for exact counts)
 *	Output: "pid PID", one line per SPEC, then "ready":
 *	  anon ADDR N TOUCHED      (ADDR in hex with 0x, of the first page)
 *	  read ADDR N TOUCHED
 *	  file ADDR N TOUCHED
 *	Each mapping has a PROT_NONE page on either side, so the kernel
 *	never merges it with a neighbour.
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PAGE 4096ul

static void __attribute__((noreturn)) die(const char *fmt, const char *arg)
{
	fprintf(stderr, "pgt-test-helper: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": %s\n", strerror(errno));
	exit(1);
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		errno = EINVAL;
		die("bad %s", what);
	}
	return v;
}

/* "N" or "A..B" into [*a, *b). */
static void range(const char *s, uint64_t *a, uint64_t *b)
{
	char buf[64];
	char *dots;

	snprintf(buf, sizeof(buf), "%s", s);
	dots = strstr(buf, "..");
	if (!dots) {
		*a = num(buf, "page");
		*b = *a + 1;
		return;
	}
	*dots = 0;
	*a = num(buf, "range start");
	*b = num(dots + 2, "range end");
	if (*b < *a) {
		errno = EINVAL;
		die("bad range '%s'", s);
	}
}

static int cmd_drop(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0)
			die("cannot open '%s'", argv[i]);
		/* dirty pages are not dropped: write them back first */
		if (fdatasync(fd) < 0)
			die("fdatasync '%s'", argv[i]);
		for (int k = 0; k < 2; k++)
			if ((errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)))
				die("fadvise '%s'", argv[i]);
		close(fd);
	}
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	char buf[PAGE];
	int fd;

	if (argc < 1) {
		errno = EINVAL;
		die("%s", "read FILE RANGE...");
	}
	fd = open(argv[0], O_RDONLY);
	if (fd < 0)
		die("cannot open '%s'", argv[0]);
	if ((errno = posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM)))
		die("fadvise '%s'", argv[0]);
	for (int i = 1; i < argc; i++) {
		uint64_t a, b;

		range(argv[i], &a, &b);
		for (uint64_t p = a; p < b; p++)
			if (pread(fd, buf, PAGE, (off_t)(p * PAGE)) < 0)
				die("read '%s'", argv[0]);
	}
	close(fd);
	return 0;
}

/* n pages with an inaccessible page on either side; returns the first. */
static char *guarded(size_t n, int prot, int flags, int fd, off_t off)
{
	char *g = mmap(NULL, (n + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m;

	if (g == MAP_FAILED)
		die("%s", "mmap");
	m = mmap(g + PAGE, n * PAGE, prot, flags | MAP_FIXED, fd, off);
	if (m == MAP_FAILED)
		die("%s", "mmap");
	return m;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void __attribute__((noreturn)) cmd_task(int argc, char **argv)
{
	printf("pid %d\n", (int)getpid());
	for (int i = 0; i < argc; i++) {
		char spec[4096], *kind = spec, *a1, *a2;

		snprintf(spec, sizeof(spec), "%s", argv[i]);
		a1 = strchr(spec, ':');
		if (!a1) {
			errno = EINVAL;
			die("bad spec '%s'", argv[i]);
		}
		*a1++ = 0;
		a2 = strrchr(a1, ':');
		if (!a2) {
			errno = EINVAL;
			die("bad spec '%s'", argv[i]);
		}
		*a2++ = 0;
		if (!strcmp(kind, "anon") || !strcmp(kind, "read")) {
			uint64_t n = num(a1, "page count"), step = num(a2, "step"), touched = 0;
			volatile char *m = guarded(n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			/* one base page per touch: no transparent huge pages */
			madvise((void *)m, n * PAGE, MADV_NOHUGEPAGE);
			for (uint64_t p = 0; step && p < n; p += step) {
				if (*kind == 'a')
					m[p * PAGE] = 1;
				else
					(void)m[p * PAGE];
				touched++;
			}
			printf("%s %#lx %" PRIu64 " %" PRIu64 "\n", kind, (unsigned long)m, n, touched);
		} else if (!strcmp(kind, "file")) {
			int fd = open(a1, O_RDONLY);
			struct stat sb;
			uint64_t n, touched = 0;
			volatile char *m;
			char *r, *save = NULL;

			if (fd < 0 || fstat(fd, &sb) < 0)
				die("cannot open '%s'", a1);
			n = ((uint64_t)sb.st_size + PAGE - 1) / PAGE;
			m = guarded(n, PROT_READ, MAP_SHARED, fd, 0);
			/* no readahead around the faults */
			madvise((void *)m, n * PAGE, MADV_RANDOM);
			for (r = strtok_r(a2, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
				uint64_t a, b;

				range(r, &a, &b);
				for (uint64_t p = a; p < b && p < n; p++) {
					(void)m[p * PAGE];
					touched++;
				}
			}
			close(fd);
			printf("file %#lx %" PRIu64 " %" PRIu64 "\n", (unsigned long)m, n, touched);
		} else {
			errno = EINVAL;
			die("unknown spec '%s'", argv[i]);
		}
	}
	signal(SIGTERM, on_term);
	printf("ready\n");
	fflush(stdout);
	alarm(600);	/* never outlive a test run for long */
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "drop"))
		return cmd_drop(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "read"))
		return cmd_read(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "task"))
		cmd_task(argc - 2, argv + 2);
	fprintf(stderr, "usage: pgt-test-helper drop FILE... | read FILE RANGE... | task SPEC...\n");
	return 2;
}
