/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the import fuzz targets: any bytes are imported in one format,
 * strictly and with skip_bad, the events and side tables read to the end,
 * and the result written as oracleGeneral.  Must never crash, hang, leak
 * or read out of bounds.
 */
#ifndef PGT_FUZZ_IMPORT_H
#define PGT_FUZZ_IMPORT_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pgtrace/ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_memfd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A source passing the events of another with ranges cut to 16 pages,
 * so the oracleGeneral writer's output stays small whatever the input. */
struct clamp {
	struct pgt_source src;
	struct pgt_source *in;
	struct pgt_event evs[4096];
};

static ssize_t clamp_batch(struct pgt_source *s, const struct pgt_event **evs)
{
	struct clamp *c = (struct clamp *)s;
	const struct pgt_event *in;
	ssize_t n = pgt_source__batch(c->in, &in);

	for (ssize_t i = 0; i < n && i < 4096; i++) {
		c->evs[i] = in[i];
		if (c->evs[i].npages > 16)
			c->evs[i].npages = 16;
	}
	*evs = c->evs;
	return n > 4096 ? 4096 : n;
}

static void clamp_free(struct pgt_source *s) { (void)s; }

static const struct pgt_source_ops clamp_ops = { .name = "clamp", .batch = clamp_batch, .free = clamp_free };

static void fuzz_import(const uint8_t *data, size_t size, int fmt, int skip_bad)
{
	struct pgt_import_opts o = { .sz = sizeof(o), .name = "fuzz", .skip_bad = skip_bad,
				     .instructions = skip_bad };
	struct pgt_import_stats st;
	struct pgt_source *src;
	const struct pgt_event *evs;
	int fd = fuzz_memfd(data, size), out, err;
	uint64_t seen = 0;
	ssize_t n;

	if (fd < 0)
		return;
	src = pgt_import__new(fd, (enum pgt_import_format)fmt, &o, &err);
	if (!src)
		return;
	if (skip_bad) {
		/* the second run also writes oracleGeneral */
		struct pgt_oracle_opts oo = { .sz = sizeof(oo), .types = 0xffff };
		static struct clamp c;

		c.src.ops = &clamp_ops;
		c.src.meta = src->meta;
		c.src.header = src->header;
		c.in = src;
		out = memfd_create("fuzz-out", MFD_CLOEXEC);
		if (out >= 0) {
			pgt_oracle__export(&c.src, out, &oo, NULL);
			close(out);
		}
	} else {
		while ((n = pgt_source__batch(src, &evs)) > 0) {
			for (ssize_t i = 0; i < n; i++) {
				const struct pgt_object *ob = pgt_meta__object(src->meta, evs[i].obj);
				const struct pgt_process *p = pgt_meta__process(src->meta, evs[i].pid);

				seen += (ob && ob->path[0]) + (p && p->comm[0]);
			}
			seen += (uint64_t)n;
		}
	}
	pgt_import__stats(src, &st);
	(void)seen;
	pgt_source__free(src);
}

#endif
