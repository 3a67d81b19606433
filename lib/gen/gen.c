// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Synthetic traces.  Every pattern is a small state machine over a page
 * position and a random generator, so a trace of any length streams out
 * in constant memory and the same seed always gives the same trace.
 *
 * Zipf ranks come from rejection-inversion sampling (Hörmann and
 * Derflinger, 1996): O(1) per sample with no table, so 10^7 pages cost
 * nothing to set up.  Ranks, and the hot set of hot-cold, are scattered
 * over the file by a multiplicative bijection so that popularity is not
 * also locality.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "format/format.h"
#include "util/opts.h"

#define GEN_BATCH 4096
#define GEN_NCPUS 4
#define GEN_SCATTER 2654435761ull	/* a prime */

struct zipf {
	double s, n, h_x1, h_n, cut;
};

struct gen {
	struct pgt_source src;
	struct pgt_gen_opts o;
	uint64_t rng[4];
	uint64_t emitted;
	uint64_t ts;
	uint64_t pos;		/* position within the current pattern */
	int pattern;		/* pattern now running (mix changes it) */
	uint32_t obj, pid, cpu;
	uint64_t phase, phase_left;
	uint64_t scatter;	/* multiplier, or 1 when not coprime */
	uint64_t renames;	/* rename_every: renames done */
	struct zipf z;
	struct pgt_event evs[GEN_BATCH];
};

static const char *const pattern_names[PGT_GEN_NPATTERNS] = {
	"sequential", "reverse", "strided", "loop", "uniform", "zipf", "hot-cold", "mix",
};

const char *pgt_gen_pattern_name(unsigned p)
{
	return p < PGT_GEN_NPATTERNS ? pattern_names[p] : "unknown";
}

int pgt_gen_pattern_parse(const char *name)
{
	for (int i = 0; i < PGT_GEN_NPATTERNS; i++)
		if (!strcmp(name, pattern_names[i]))
			return i;
	if (!strcmp(name, "hotcold"))
		return PGT_GEN_HOTCOLD;
	return -PGT_EPARSE;
}

/* xoshiro256** seeded through splitmix64. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rnd(struct gen *g)
{
	uint64_t *s = g->rng, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static inline double rnd01(struct gen *g) { return (double)(rnd(g) >> 11) * 0x1.0p-53; }

/* Uniform in [0, n) without modulo bias worth caring about (Lemire). */
static inline uint64_t rnd_below(struct gen *g, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rnd(g) * n) >> 64);
}

static double zh(const struct zipf *z, double x) { return exp(-z->s * log(x)); }

static double helper1(double x) { return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x / 3); }
static double helper2(double x) { return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3); }

static double zH(const struct zipf *z, double x)
{
	double lx = log(x);

	return helper2((1 - z->s) * lx) * lx;
}

static double zHinv(const struct zipf *z, double x)
{
	double t = x * (1 - z->s);

	if (t < -1)
		t = -1;
	return exp(helper1(t) * x);
}

static void zipf_init(struct zipf *z, double s, uint64_t n)
{
	z->s = s;
	z->n = (double)n;
	z->h_x1 = zH(z, 1.5) - 1;
	z->h_n = zH(z, z->n + 0.5);
	z->cut = 2 - zHinv(z, zH(z, 2.5) - zh(z, 2));
}

/* A rank in [1, n]. */
static uint64_t zipf_next(struct gen *g)
{
	const struct zipf *z = &g->z;

	for (;;) {
		double u = z->h_n + rnd01(g) * (z->h_x1 - z->h_n);
		double x = zHinv(z, u);
		double k = floor(x + 0.5);

		if (k < 1)
			k = 1;
		else if (k > z->n)
			k = z->n;
		if (k - x <= z->cut || u >= zH(z, k + 0.5) - zh(z, k))
			return (uint64_t)k;
	}
}

static inline uint64_t scatter(const struct gen *g, uint64_t i)
{
	return (uint64_t)(((unsigned __int128)i * g->scatter) % g->o.pages);
}

static uint64_t next_index(struct gen *g)
{
	uint64_t n = g->o.pages, np = g->o.npages, k, idx;

	switch (g->pattern) {
	case PGT_GEN_SEQUENTIAL:
		idx = g->pos % n;
		g->pos += np;
		break;
	case PGT_GEN_REVERSE:
		k = g->pos % n;
		idx = n - 1 - k;
		idx = idx + 1 >= np ? idx + 1 - np : 0;
		g->pos += np;
		break;
	case PGT_GEN_STRIDED:
		/* Each sweep starts one page after the previous one so every
		 * page is eventually touched. */
		k = g->pos * g->o.stride;
		idx = (k % n + k / n) % n;
		g->pos++;
		break;
	case PGT_GEN_LOOP:
		idx = g->pos % g->o.period;
		g->pos += np;
		break;
	case PGT_GEN_UNIFORM:
		idx = rnd_below(g, n);
		break;
	case PGT_GEN_ZIPF:
		idx = scatter(g, zipf_next(g) - 1);
		break;
	default: { /* PGT_GEN_HOTCOLD */
		uint64_t hot = (uint64_t)ceil((double)n * g->o.hot_frac);

		if (hot < 1)
			hot = 1;
		if (hot > n)
			hot = n;
		if (rnd01(g) < g->o.hot_share || hot == n)
			idx = scatter(g, rnd_below(g, hot));
		else
			idx = scatter(g, hot + rnd_below(g, n - hot));
		break;
	}
	}
	if (idx + np > n)	/* keep ranges inside the file */
		idx = n > np ? n - np : 0;
	return idx;
}

/* Patterns a mix cycles through, one per phase. */
static const int mix_order[] = {
	PGT_GEN_SEQUENTIAL, PGT_GEN_ZIPF, PGT_GEN_LOOP, PGT_GEN_UNIFORM,
	PGT_GEN_REVERSE, PGT_GEN_STRIDED, PGT_GEN_HOTCOLD,
};

static void mix_phase(struct gen *g)
{
	g->pattern = mix_order[g->phase % PGT_ARRAY_SIZE(mix_order)];
	g->obj = 1 + (uint32_t)(g->phase % g->o.files);
	g->pid = 1000 + (uint32_t)(g->phase % g->o.pids);
	g->cpu = (g->pid - 1000) % GEN_NCPUS;
	g->pos = 0;
	g->phase_left = g->o.phase_events - 1;	/* this event is the first */
	g->phase++;
}

static int gen_tables(struct gen *g, uint64_t ts, unsigned rename);

static ssize_t gen_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct gen *g = (struct gen *)src;
	uint64_t left = g->o.events - g->emitted, iv = g->o.interval_ns;
	uint64_t jitter = iv / 4 + 1;
	size_t n = left < GEN_BATCH ? (size_t)left : GEN_BATCH;

	if (g->o.rename_every && left) {
		/* the names change before event k * N: the batch ends there, so
		 * the records come between the events they separate */
		uint64_t k = g->emitted / g->o.rename_every, to_next;
		int err;

		if (k > g->renames) {
			g->renames = k;
			err = gen_tables(g, g->ts, 1);
			if (err)
				return err;
		}
		to_next = g->o.rename_every - g->emitted % g->o.rename_every;
		if (to_next < n)
			n = (size_t)to_next;
	}

	for (size_t i = 0; i < n; i++) {
		struct pgt_event *e = &g->evs[i];

		if (g->o.pattern == PGT_GEN_MIX && !g->phase_left--)
			mix_phase(g);
		/* Rare migrations keep the cpu column honest. */
		if ((rnd(g) & 1023) == 0)
			g->cpu = (g->cpu + 1) % GEN_NCPUS;
		g->ts += iv - iv / 8 + rnd_below(g, jitter);
		e->ts = g->ts;
		e->seq = g->emitted + i;
		e->index = next_index(g);
		e->npages = g->o.npages;
		e->pfn = PGT_PFN_NONE;
		e->aux = 0;
		e->obj = g->obj;
		e->pid = e->tid = g->pid;
		e->cpu = g->cpu;
		e->type = (uint8_t)g->o.type;
		e->flags = 0;
		e->pad = 0;
	}
	g->emitted += n;
	*evs = g->evs;
	return (ssize_t)n;
}

static void gen_free(struct pgt_source *src)
{
	pgt_meta__free(src->meta);
	free(src);
}

static const struct pgt_source_ops gen_ops = {
	.name = "gen",
	.batch = gen_batch,
	.free = gen_free,
};

/* The objects and processes: defined at the start (@rename 0), renamed
 * (a new path; an exec under a new comm) at @ts after g->renames
 * rename_every periods. */
static int gen_tables(struct gen *g, uint64_t ts, unsigned rename)
{
	uint32_t files = g->o.pattern == PGT_GEN_MIX ? g->o.files : 1;
	uint32_t pids = g->o.pattern == PGT_GEN_MIX ? g->o.pids : 1;
	char buf[256], gen[32] = "";
	int err;

	if (rename)
		snprintf(gen, sizeof(gen), ".%llu", (unsigned long long)g->renames);
	for (uint32_t i = 0; i < files; i++) {
		struct pgt_object o = {
			.id = 1 + i, .kind = PGT_OBJ_FILE, .op = rename ? PGT_OBJ_RENAME : PGT_OBJ_DEFINE,
			.name_src = PGT_NAME_SYNTH, .ts = ts, .dev = makedev(0, 0), .ino = 1000 + i,
			.size = g->o.pages * 4096, .path = buf,
		};

		snprintf(buf, sizeof(buf), "/gen/%s-%u%s.dat",
			 files == 1 ? pattern_names[g->o.pattern] : "file", i, gen);
		err = pgt_meta__add_object(g->src.meta, &o);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < pids; i++) {
		char cg[64];
		struct pgt_process p = {
			.ts = ts, .pid = 1000 + i, .tgid = 1000 + i, .ppid = 1, .uid = 1000 + i % 2,
			.gid = 1000, .op = rename ? PGT_PROC_EXEC : PGT_PROC_STATE, .comm = buf,
			.cwd = "/gen", .exe = "/usr/bin/gen", .cgroup = cg,
		};

		snprintf(buf, sizeof(buf), "gen-%u%s", i, gen);
		/* one cgroup per user, as systemd gives each user a slice */
		snprintf(cg, sizeof(cg), "/pgtrace-gen/uid-%u", p.uid);
		err = pgt_meta__add_process(g->src.meta, &p);
		if (err)
			return err;
	}
	if (rename)
		return 0;
	snprintf(buf, sizeof(buf), "pattern=%s events=%llu pages=%llu seed=%llu",
		 pattern_names[g->o.pattern], (unsigned long long)g->o.events,
		 (unsigned long long)g->o.pages, (unsigned long long)g->o.seed);
	return pgt_meta__add_info(g->src.meta, "generator", buf);
}

struct pgt_source *pgt_gen__new(const struct pgt_gen_opts *opts, int *err)
{
	struct pgt_gen_opts o_;
	struct gen *g;
	uint64_t seed;
	int e = -EINVAL;

	if (!opts || !PGT_OPTS_VALID(opts)) {
		*err = -EINVAL;
		return NULL;
	}
	opts = PGT_OPTS_FIT(opts, &o_);
	g = calloc(1, sizeof(*g));
	if (!g) {
		*err = -ENOMEM;
		return NULL;
	}
	g->src.ops = &gen_ops;
	g->o = *opts;
	if (g->o.pattern < 0 || g->o.pattern >= PGT_GEN_NPATTERNS)
		goto fail;
	if (!g->o.events)
		g->o.events = 1000000;
	if (!g->o.pages)
		g->o.pages = 65536;
	if (!g->o.stride)
		g->o.stride = 8;
	if (!g->o.period)
		g->o.period = g->o.pages / 4 ? g->o.pages / 4 : 1;
	if (g->o.alpha == 0)
		g->o.alpha = 0.99;
	if (g->o.hot_frac == 0)
		g->o.hot_frac = 0.1;
	if (g->o.hot_share == 0)
		g->o.hot_share = 0.9;
	if (!g->o.npages)
		g->o.npages = 1;
	if (!g->o.files)
		g->o.files = 4;
	if (!g->o.pids)
		g->o.pids = 3;
	if (!g->o.phase_events)
		g->o.phase_events = g->o.events / 8 ? g->o.events / 8 : 1;
	if (!g->o.interval_ns)
		g->o.interval_ns = 1000;
	if (!g->o.type)
		g->o.type = PGT_EV_LOOKUP;
	if (g->o.period > g->o.pages || g->o.npages > g->o.pages || g->o.alpha < 0 ||
	    g->o.hot_frac < 0 || g->o.hot_frac > 1 || g->o.hot_share < 0 || g->o.hot_share > 1 ||
	    g->o.type <= 0 || g->o.type >= PGT_EV_NTYPES)
		goto fail;
	seed = g->o.seed;
	for (int i = 0; i < 4; i++)
		g->rng[i] = splitmix(&seed);
	g->scatter = g->o.pages % GEN_SCATTER ? GEN_SCATTER % g->o.pages : 1;
	if (!g->scatter)
		g->scatter = 1;
	zipf_init(&g->z, g->o.alpha, g->o.pages);
	g->pattern = g->o.pattern;
	g->obj = 1;
	g->pid = 1000;
	if (g->o.pattern == PGT_GEN_MIX)
		g->phase_left = 0;	/* first event starts phase 0 */
	g->src.meta = pgt_meta__new();
	if (!g->src.meta) {
		e = -ENOMEM;
		goto fail;
	}
	pgt_header__init_host(&g->src.header);
	g->src.header.clock = PGT_CLOCK_SYNTHETIC;
	g->src.header.start_ts = 0;
	g->src.header.wall_offset = 0;
	g->src.header.page_size = 4096;
	e = gen_tables(g, 0, 0);
	if (e)
		goto fail;
	return &g->src;
fail:
	*err = e;
	pgt_meta__free(g->src.meta);
	free(g);
	return NULL;
}
