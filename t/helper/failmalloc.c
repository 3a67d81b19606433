// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * failmalloc - make the Nth allocation fail, for t/t0520-alloc.sh.
 *
 * Linked only into .build-asan/pgtrace-failalloc (see the Makefile), with
 * -Wl,--wrap for every function below: the linker sends each call from the
 * objects of that link to __wrap_NAME here, which calls the real one
 * (__real_NAME) unless this is the allocation to fail.
 *
 * Why link-time wrapping rather than an LD_PRELOAD object:
 *  - ASan intercepts malloc itself; a preloaded malloc would sit in front
 *    of its interceptor, and get ordered against it by the loader.  Here
 *    __real_malloc is the ordinary symbol, so ASan and LeakSanitizer see
 *    every allocation as usual and a leak on an error path is reported.
 *  - --wrap works on the references of the objects being linked, so only
 *    our code is counted (and the statically linked zstd, which is part of
 *    the binary: its allocation failures come back to us as zstd errors,
 *    a path worth testing).  The shared libraries (libc's own internal
 *    allocations, cairo, fontconfig, libtraceevent) are left alone: their
 *    failures would test them, not us, and their counts vary by version.
 *  - The ASan objects are reused: the binary is one more link, not a build.
 *
 * "Allocation" means any call of ours that allocates and reports failure
 * to its caller: malloc, calloc, realloc, strdup, strndup, asprintf,
 * vasprintf, getline and __getdelim (glibc's inline getline calls it when
 * optimizing) (NULL/-1 with errno ENOMEM), fopen, opendir, fdopendir
 * (NULL, ENOMEM), regcomp (REG_ESPACE) and pthread_create (EAGAIN, as
 * when out of threads).
 *
 * Environment:
 *   PGT_FAIL_ALLOC=N        fail the Nth allocation (counted from 1, over
 *                           all threads); only that one, the rest succeed
 *   PGT_FAIL_ALLOC_COUNT=F  at exit, write the number of allocations to F
 *   PGT_FAIL_ALLOC_TRACE=1  print a stack trace of the failed call on stderr
 *                           (for debugging; the tests never set it)
 *
 * The count starts at the first allocation; pgtrace allocates nothing
 * before main.  With several threads (split and merge prefetch in a
 * thread, stats and plot decode in PGTRACE_THREADS workers) the order of
 * allocations between threads varies from run to run, so the test sets
 * PGTRACE_THREADS=0 and accepts that the prefetch thread's share may move.
 */
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **p, const char *fmt, va_list ap);
ssize_t __real_getline(char **line, size_t *cap, FILE *f);
ssize_t __real___getdelim(char **line, size_t *cap, int delim, FILE *f);
int __real_regcomp(regex_t *re, const char *pat, int cflags);
FILE *__real_fopen(const char *path, const char *mode);
DIR *__real_opendir(const char *path);
DIR *__real_fdopendir(int fd);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **p, const char *fmt, va_list ap);
int __wrap_asprintf(char **p, const char *fmt, ...);
ssize_t __wrap_getline(char **line, size_t *cap, FILE *f);
ssize_t __wrap___getdelim(char **line, size_t *cap, int delim, FILE *f);
int __wrap_regcomp(regex_t *re, const char *pat, int cflags);
FILE *__wrap_fopen(const char *path, const char *mode);
DIR *__wrap_opendir(const char *path);
DIR *__wrap_fdopendir(int fd);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);

/* From the sanitizer runtime when there is one: a symbolized stack. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static unsigned long count;	/* allocations so far, atomically */
static unsigned long fail_at;	/* 0: none */
static int trace;
static int ready;

/* getenv allocates nothing, so the first allocation can read it. */
static void setup(void)
{
	const char *e = getenv("PGT_FAIL_ALLOC");

	if (e)
		fail_at = strtoul(e, NULL, 10);
	e = getenv("PGT_FAIL_ALLOC_TRACE");
	trace = e && *e && *e != '0';
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

/* Count one allocation; true if it is the one to fail (errno set). */
static int fail(const char *what, int err)
{
	unsigned long n;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		setup();
	n = __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
	if (n != fail_at)
		return 0;
	if (trace) {
		void *pcs[32];

		fprintf(stderr, "failmalloc: failing %s, allocation %lu\n", what, n);
		if (__sanitizer_print_stack_trace)
			__sanitizer_print_stack_trace();
		else
			backtrace_symbols_fd(pcs, backtrace(pcs, 32), STDERR_FILENO);
	}
	errno = err;
	return 1;
}

__attribute__((destructor)) static void report_count(void)
{
	const char *path = getenv("PGT_FAIL_ALLOC_COUNT");
	char buf[32];
	int fd, len;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%lu\n", __atomic_load_n(&count, __ATOMIC_RELAXED));
	if (write(fd, buf, (size_t)len) != len)
		unlink(path);	/* no count rather than a wrong one */
	close(fd);
}

void *__wrap_malloc(size_t n)
{
	return fail("malloc", ENOMEM) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail("calloc", ENOMEM) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail("realloc", ENOMEM) ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail("strdup", ENOMEM) ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail("strndup", ENOMEM) ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **p, const char *fmt, va_list ap)
{
	return fail("vasprintf", ENOMEM) ? -1 : __real_vasprintf(p, fmt, ap);
}

int __wrap_asprintf(char **p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fail("asprintf", ENOMEM))
		return -1;
	va_start(ap, fmt);
	n = __real_vasprintf(p, fmt, ap);
	va_end(ap);
	return n;
}

ssize_t __wrap_getline(char **line, size_t *cap, FILE *f)
{
	return fail("getline", ENOMEM) ? -1 : __real_getline(line, cap, f);
}

ssize_t __wrap___getdelim(char **line, size_t *cap, int delim, FILE *f)
{
	return fail("getline", ENOMEM) ? -1 : __real___getdelim(line, cap, delim, f);
}

int __wrap_regcomp(regex_t *re, const char *pat, int cflags)
{
	return fail("regcomp", ENOMEM) ? REG_ESPACE : __real_regcomp(re, pat, cflags);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	return fail("fopen", ENOMEM) ? NULL : __real_fopen(path, mode);
}

DIR *__wrap_opendir(const char *path)
{
	return fail("opendir", ENOMEM) ? NULL : __real_opendir(path);
}

DIR *__wrap_fdopendir(int fd)
{
	return fail("fdopendir", ENOMEM) ? NULL : __real_fdopendir(fd);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg)
{
	return fail("pthread_create", EAGAIN) ? EAGAIN : __real_pthread_create(t, attr, fn, arg);
}
