# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/validate-workload.py - the workloads of bench/validate.sh, and its
# helpers for data files and the page cache.  Every workload is
# deterministic for a given seed, so the unconstrained run and the runs in
# a memory cgroup make the same references in the same order: the trace
# of the first predicts the misses of the others.
#
#   make FILE MB            a file of MB MiB of random bytes, synced
#   drop FILE...            fsync, then posix_fadvise(DONTNEED); prints
#                           the pages still resident (mincore), 0 if cold
#   zipf FILE N ALPHA SEED  N 4 KiB preads, pages drawn from Zipf(ALPHA)
#                           over the file's pages (ranks shuffled over the
#                           file); posix_fadvise(RANDOM) first, so a miss
#                           reads the one page asked for, no readahead
#   mmap FILE N ALPHA SEED  the same draws; each query maps the one page
#                           (mmap of 4 KiB at its offset), reads a byte of
#                           it and unmaps it (see bench/validate.sh)
#   mixed HOT SCAN PASSES K SEED
#                           PASSES sequential passes over SCAN in 64 KiB
#                           reads, K uniformly random 4 KiB preads of HOT
#                           after each of them; both files advised RANDOM
#                           (VALIDATE_SCAN_READAHEAD=1: not the scan)
#   sqlite-build DB ROWS    a table t(id INTEGER PRIMARY KEY, v BLOB) of
#                           ROWS rows of 300 random bytes
#   sqlite DB N ALPHA SEED  N point queries SELECT length(v) FROM t WHERE
#                           id = ?, ids drawn from Zipf(ALPHA) (ranks
#                           shuffled over the ids) through python's sqlite3
#                           module with its default page cache (2 MB)
import array
import ctypes
import ctypes.util
import itertools
import mmap
import os
import random
import sys

PAGE = 4096


def zipf_draws(n_items, n, alpha, seed, chunk=8192):
    """Yield n item numbers in 0..n_items-1, item of rank k (from 0) drawn
    with probability proportional to 1/(k+1)^alpha; ranks are shuffled over
    the items so that hot items are spread over the file."""
    # arrays, not lists: the interpreter's memory counts against the
    # cgroup's limit, and 900 K list items would take ~70 MB
    r = random.Random(seed)
    perm = array.array("l", range(n_items))
    r.shuffle(perm)
    cum = array.array("d", itertools.accumulate(1.0 / (k + 1) ** alpha for k in range(n_items)))
    ranks = range(n_items)
    while n > 0:
        k = min(chunk, n)
        for rank in r.choices(ranks, cum_weights=cum, k=k):
            yield perm[rank]
        n -= k


def resident(path):
    """Pages of path in the page cache (mincore on a mapping of it)."""
    size = os.path.getsize(path)
    if size == 0:
        return 0
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap " + path)
        vec = ctypes.create_string_buffer((size + PAGE - 1) // PAGE)
        if libc.mincore(addr, size, vec) != 0:
            raise OSError(ctypes.get_errno(), "mincore " + path)
        libc.munmap(addr, size)
    finally:
        os.close(fd)
    return sum(b & 1 for b in vec.raw)


def cmd_make(path, mb):
    with open(path, "wb") as f:
        for _ in range(int(mb)):
            f.write(os.urandom(1 << 20))
        f.flush()
        os.fsync(f.fileno())


def cmd_drop(*paths):
    left = 0
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        os.fsync(fd)  # dirty pages cannot be dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
        left += resident(p)
    print(left)


def cmd_zipf(path, n, alpha, seed):
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    pages = os.fstat(fd).st_size // PAGE
    pread = os.pread
    for p in zipf_draws(pages, int(n), float(alpha), int(seed)):
        pread(fd, PAGE, p * PAGE)


def cmd_mmap(path, n, alpha, seed):
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    pages = os.fstat(fd).st_size // PAGE
    for p in zipf_draws(pages, int(n), float(alpha), int(seed)):
        m = mmap.mmap(fd, PAGE, mmap.MAP_SHARED, mmap.PROT_READ, offset=p * PAGE)
        m.madvise(mmap.MADV_RANDOM)  # no read-around when the fault misses
        m[0]
        m.madvise(mmap.MADV_NORMAL)  # so that munmap passes the accessed bit on
        m.close()


def cmd_mixed(hot, scan, passes, k, seed):
    hfd = os.open(hot, os.O_RDONLY)
    os.posix_fadvise(hfd, 0, 0, os.POSIX_FADV_RANDOM)
    hpages = os.fstat(hfd).st_size // PAGE
    sfd = os.open(scan, os.O_RDONLY)
    # RANDOM on the scan too: a 64 KiB read then inserts its own 16 pages
    # and no more, so insertions are demand misses (with readahead, 8 MiB
    # windows thrash at small limits: the pages read ahead are evicted
    # before the scan gets to them and read again)
    if os.environ.get("VALIDATE_SCAN_READAHEAD", "0") != "1":
        os.posix_fadvise(sfd, 0, 0, os.POSIX_FADV_RANDOM)
    r = random.Random(int(seed))
    k = int(k)
    pread = os.pread
    for _ in range(int(passes)):
        os.lseek(sfd, 0, os.SEEK_SET)
        while os.read(sfd, 16 * PAGE):
            for _ in range(k):
                pread(hfd, PAGE, r.randrange(hpages) * PAGE)


def cmd_sqlite_build(db, rows):
    import sqlite3
    if os.path.exists(db):
        os.unlink(db)
    c = sqlite3.connect(db)
    c.execute("PRAGMA journal_mode=OFF")
    c.execute("PRAGMA synchronous=OFF")
    c.execute("PRAGMA page_size=4096")
    c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
    c.execute("WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ?) "
              "INSERT INTO t(id, v) SELECT x, randomblob(300) FROM s", (int(rows),))
    c.commit()
    c.close()
    fd = os.open(db, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)


def cmd_sqlite(db, n, alpha, seed):
    import sqlite3
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    # sqlite opens the file itself, at connect; tell the kernel its reads
    # are random through its own descriptor, before the first read, as an
    # application could (VALIDATE_SQLITE_READAHEAD=1 leaves the kernel's
    # readahead on)
    if os.environ.get("VALIDATE_SQLITE_READAHEAD", "0") != "1":
        real = os.path.realpath(db)
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink("/proc/self/fd/" + fd) == real:
                    os.posix_fadvise(int(fd), 0, 0, os.POSIX_FADV_RANDOM)
            except OSError:
                pass
    rows = c.execute("SELECT max(id) FROM t").fetchone()[0]
    q = "SELECT length(v) FROM t WHERE id = ?"
    for i in zipf_draws(rows, int(n), float(alpha), int(seed)):
        c.execute(q, (i + 1,)).fetchone()
    c.close()


def main(argv):
    cmds = {"make": cmd_make, "drop": cmd_drop, "zipf": cmd_zipf, "mmap": cmd_mmap,
            "mixed": cmd_mixed, "sqlite-build": cmd_sqlite_build, "sqlite": cmd_sqlite}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write("usage: validate-workload.py %s ARGS\n" % "|".join(cmds))
        return 2
    cmds[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
