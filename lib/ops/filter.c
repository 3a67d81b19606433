// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The filter operator: the events of a source that match an expression
 * of the language in lib/expr/ (pgtrace-filter(1)).
 */
#include <stdlib.h>

#include "pgtrace/ops.h"
#include "format/format.h"
#include "util/util.h"
#include "expr/expr-int.h"

struct filter_src {
	struct pgt_source src;
	struct pgt_source *in;
	struct pgt_expr *e;
	struct pgt_event *buf;
	size_t cap;
};

static ssize_t filter_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct filter_src *f = (struct filter_src *)src;
	struct pgt_expr *e = f->e;
	const struct node *root = &e->nodes[e->root];

	for (;;) {
		const struct pgt_event *in;
		ssize_t n = pgt_source__batch(f->in, &in);
		const struct pgt_meta *m = f->in->meta;
		size_t k;
		ssize_t i;

		/* the inner source may have replaced its header or meta */
		src->meta = f->in->meta;
		src->header = f->in->header;
		if (n <= 0)
			return n;
		if ((size_t)n > f->cap) {
			struct pgt_event *nb = realloc(f->buf, (size_t)n * sizeof(*nb));

			if (!nb)
				return -ENOMEM;
			f->buf = nb;
			f->cap = (size_t)n;
		}
		/* the side tables only change between batches */
		pgt_expr_sync(e, m);
		/* a leading run of matches needs no copy, and a batch that
		 * matches whole is handed on as it is */
		for (i = 0; i < n && pgt_expr_eval(e, root, &in[i], m); i++)
			;
		if (i == n) {
			*evs = in;
			return n;
		}
		memcpy(f->buf, in, (size_t)i * sizeof(*in));
		k = (size_t)i;
		for (i++; i < n; i++) {
			f->buf[k] = in[i];
			k += (size_t)pgt_expr_eval(e, root, &in[i], m);
		}
		if (k) {
			*evs = f->buf;
			return (ssize_t)k;
		}
	}
}

static void filter_free(struct pgt_source *src)
{
	struct filter_src *f = (struct filter_src *)src;

	pgt_source__free(f->in);
	pgt_expr__free(f->e);
	free(f->buf);
	free(f);
}

static const struct pgt_source_ops filter_ops = {
	.name = "filter",
	.batch = filter_batch,
	.free = filter_free,
};

struct pgt_source *pgt_filter__new(struct pgt_source *in, struct pgt_expr *e, int *err)
{
	struct filter_src *f;

	if (!in || !e) {
		pgt_source__free(in);
		pgt_expr__free(e);
		if (err)
			*err = -EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		pgt_source__free(in);
		pgt_expr__free(e);
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	f->src.ops = &filter_ops;
	f->src.meta = in->meta;
	f->src.header = in->header;
	f->in = in;
	f->e = e;
	return &f->src;
}

