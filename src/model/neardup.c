/* neardup.c — near copies: a multi-index of fingerprint codes, the
 * pairs it finds decided by their fingerprints, their groups and lines. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "neardup.h"
#include "util.h"
#include "worker.h"

#define CHUNK_VALUES 65536

static inline unsigned
chunk(uint64_t code, unsigned c)
{
	return (unsigned)(code >> (16 * c) & 0xffff);
}

/* ---- the index ---- */

struct index {
	const struct near_set *set;
	const struct near_limits *lim;
	size_t m;                       /* samples with a fingerprint */
	uint32_t *sample;               /* m: their sample numbers, ascending */
	uint64_t *code;                 /* m: their codes */
	uint32_t *start[NEAR_CHUNKS];   /* CHUNK_VALUES + 1: where a value's run
	                                   begins in by[] */
	uint32_t *by[NEAR_CHUNKS];      /* m: positions in sample[], by chunk value */
	unsigned threads;
	struct near_pair **found;       /* per thread */
	size_t *nfound, *capfound;
};

static void
index_build(struct index *x)
{
	const struct near_set *s = x->set;
	size_t i, k;
	unsigned c;

	x->sample = xmalloc((s->n ? s->n : 1) * sizeof *x->sample);
	x->code = xmalloc((s->n ? s->n : 1) * sizeof *x->code);
	for (i = 0, k = 0; i < s->n; i++)
		if (near_fp(s, i)->kind != FP_NONE) {
			x->sample[k] = (uint32_t)i;
			x->code[k++] = near_fp(s, i)->code;
		}
	x->m = k;
	/* Counting sort of positions by each chunk's value. */
	for (c = 0; c < NEAR_CHUNKS; c++) {
		uint32_t *start = xcalloc(CHUNK_VALUES + 1, sizeof *start);
		uint32_t *fill = xmalloc(CHUNK_VALUES * sizeof *fill);
		uint32_t *by = xmalloc((x->m ? x->m : 1) * sizeof *by);
		for (k = 0; k < x->m; k++)
			start[chunk(x->code[k], c) + 1]++;
		for (k = 0; k < CHUNK_VALUES; k++)
			start[k + 1] += start[k];
		memcpy(fill, start, CHUNK_VALUES * sizeof *fill);
		for (k = 0; k < x->m; k++)
			by[fill[chunk(x->code[k], c)]++] = (uint32_t)k;
		free(fill);
		x->start[c] = start;
		x->by[c] = by;
	}
}

static void
index_free(struct index *x)
{
	unsigned c;
	for (c = 0; c < NEAR_CHUNKS; c++) {
		free(x->start[c]);
		free(x->by[c]);
	}
	free(x->sample);
	free(x->code);
}

/* Are positions k and l near copies? Their score goes to *score. */
static int
decide(const struct index *x, size_t k, size_t l, float *score)
{
	const struct fingerprint *a = near_fp(x->set, x->sample[k]);
	const struct fingerprint *b = near_fp(x->set, x->sample[l]);
	unsigned bits = fp_code_distance(x->code[k], x->code[l]);
	double corr;

	if (a->kind != b->kind)
		return 0;
	if (a->kind == FP_IMAGE) {
		*score = (float)bits;
		return bits <= x->lim->image &&
		    fp_image_correlation(a, b) >= NEAR_IMAGE_CORRELATION;
	}
	if (bits > NEAR_AUDIO_CODE_BITS)
		return 0;
	corr = fp_audio_near(a, b, x->lim->audio);
	*score = (float)corr;
	return corr >= x->lim->audio;
}

/* Thread t: the pairs whose first position is in its share of [0, m).
 * A pair is taken from the first chunk in which it is within one bit, and
 * only from its first position, so each pair is decided once. */
static void
search_thread(void *arg, unsigned t)
{
	struct index *x = arg;
	size_t k, from = x->m * t / x->threads, to = x->m * (t + 1) / x->threads;
	unsigned c, c2, probe;
	float score;

	for (k = from; k < to; k++) {
		uint64_t q = x->code[k];
		for (c = 0; c < NEAR_CHUNKS; c++)
			for (probe = 0; probe <= 16; probe++) {
				unsigned v = chunk(q, c) ^ (probe ? 1u << (probe - 1) : 0);
				uint32_t p, end = x->start[c][v + 1];
				for (p = x->start[c][v]; p < end; p++) {
					size_t l = x->by[c][p];
					if (l <= k)
						continue;
					for (c2 = 0; c2 < c; c2++)
						if (__builtin_popcount(chunk(q, c2) ^ chunk(x->code[l], c2)) <= 1)
							break;
					if (c2 < c || !decide(x, k, l, &score))
						continue;
					x->found[t] = xgrow(x->found[t], &x->capfound[t],
					    x->nfound[t] + 1, sizeof **x->found);
					x->found[t][x->nfound[t]++] = (struct near_pair){
						x->sample[k], x->sample[l], score };
				}
			}
	}
}

static int
cmp_pair(const void *p, const void *q)
{
	const struct near_pair *a = p, *b = q;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

struct near_pair *
near_find(const struct near_set *s, const struct near_limits *lim, unsigned nthreads,
    size_t *npairs)
{
	struct index x = { .set = s, .lim = lim };
	struct near_pair *all;
	size_t n = 0, t;

	index_build(&x);
	x.threads = nthreads ? nthreads : parallel_threads(64);
	x.found = xcalloc(x.threads, sizeof *x.found);
	x.nfound = xcalloc(x.threads, sizeof *x.nfound);
	x.capfound = xcalloc(x.threads, sizeof *x.capfound);
	parallel_for(x.threads, search_thread, &x);
	for (t = 0; t < x.threads; t++)
		n += x.nfound[t];
	all = xmalloc((n ? n : 1) * sizeof *all);
	for (n = 0, t = 0; t < x.threads; t++) {
		if (x.nfound[t])
			memcpy(all + n, x.found[t], x.nfound[t] * sizeof *all);
		n += x.nfound[t];
		free(x.found[t]);
	}
	qsort(all, n, sizeof *all, cmp_pair);
	free(x.found);
	free(x.nfound);
	free(x.capfound);
	index_free(&x);
	*npairs = n;
	return all;
}

/* ---- groups and lines ---- */

static uint32_t
root_of(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

#define NONE UINT32_MAX

struct offer {
	uint32_t other;
	float score;
};

/* Is a nearer than the copy already offered? Ties: the first in path order. */
static int
nearer(const struct offer *o, uint32_t other, float score, int kind)
{
	if (o->other == NONE)
		return 1;
	if (score != o->score)
		return kind == FP_AUDIO ? score > o->score : score < o->score;
	return other < o->other;
}

static void
offer(struct offer *o, uint32_t other, float score, int kind)
{
	if (nearer(o, other, score, kind)) {
		o->other = other;
		o->score = score;
	}
}

struct member {
	uint32_t root, sample;
};

static int
cmp_member(const void *p, const void *q)
{
	const struct member *a = p, *b = q;
	if (a->root != b->root)
		return a->root < b->root ? -1 : 1;
	return a->sample < b->sample ? -1 : a->sample > b->sample;
}

struct near_line *
near_lines(const struct near_pair *pairs, size_t npairs, const struct near_set *set,
    const struct dataset *ds, int (*same_bytes)(size_t a, size_t b, void *arg),
    void *arg, size_t *nlines)
{
	const struct sample *sm = ds->samples;
	size_t n = set->n, k, i, j, nmembers = 0, nout = 0, cap = 0;
	uint32_t *parent = xmalloc((n ? n : 1) * sizeof *parent), *size;
	uint32_t *root = xmalloc((n ? n : 1) * sizeof *root);
	struct member *members;
	uint8_t *main_split;
	struct offer *best = xmalloc((n ? n : 1) * 3 * sizeof *best);
	size_t *counts = xcalloc(ds->nsplits ? ds->nsplits : 1, sizeof *counts);
	struct near_line *out = NULL;

	for (i = 0; i < n; i++) {
		parent[i] = (uint32_t)i;
		for (k = 0; k < 3; k++)
			best[i * 3 + k] = (struct offer){ NONE, 0 };
	}
	for (k = 0; k < npairs; k++) {
		uint32_t ra = root_of(parent, pairs[k].a), rb = root_of(parent, pairs[k].b);
		if (ra != rb)
			parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
	}
	size = xcalloc(n ? n : 1, sizeof *size);
	for (i = 0; i < n; i++)
		size[root_of(parent, (uint32_t)i)]++;

	for (k = 0; k < npairs; k++) {
		uint32_t a = pairs[k].a, b = pairs[k].b;
		unsigned la = sm[a].label, lb = sm[b].label, sa = sm[a].split, sb = sm[b].split;
		int kind = near_fp(set, a)->kind;
		float sc = pairs[k].score;
		if (same_bytes(a, b, arg))
			continue;
		if (la != LABEL_NONE && lb != LABEL_NONE && la != lb) {
			offer(&best[a * 3 + NEAR_LABEL_CONFLICT], b, sc, kind);
			offer(&best[b * 3 + NEAR_LABEL_CONFLICT], a, sc, kind);
		}
		if (la == lb && sa == sb)
			offer(&best[b * 3 + NEAR_DUPLICATE], a, sc, kind);
		if (sa != SPLIT_NONE && sb != SPLIT_NONE && sa != sb) {
			offer(&best[a * 3 + NEAR_SPLIT_LEAK], b, sc, kind);
			offer(&best[b * 3 + NEAR_SPLIT_LEAK], a, sc, kind);
		}
	}

	/* A split-leak is a copy outside its group's main split (the one
	 * most of its members are in): the members of the groups with a leak,
	 * by group, counted by split. */
	for (i = 0; i < n; i++)
		root[i] = root_of(parent, (uint32_t)i);
	main_split = xcalloc(n ? n : 1, 1);
	for (i = 0; i < n; i++)
		if (best[i * 3 + NEAR_SPLIT_LEAK].other != NONE)
			main_split[root[i]] = 1;
	members = xmalloc((n ? n : 1) * sizeof *members);
	for (i = 0; i < n; i++)
		if (main_split[root[i]])
			members[nmembers++] = (struct member){ root[i], (uint32_t)i };
	qsort(members, nmembers, sizeof *members, cmp_member);
	for (i = 0; i < nmembers; i = j) {
		size_t most = 0, ties = 0, sp;
		unsigned main = SPLIT_NONE;
		memset(counts, 0, ds->nsplits * sizeof *counts);
		for (j = i; j < nmembers && members[j].root == members[i].root; j++)
			counts[sm[members[j].sample].split]++;
		for (sp = 1; sp < ds->nsplits; sp++) {
			if (counts[sp] > most) {
				most = counts[sp];
				main = (unsigned)sp;
				ties = 0;
			} else if (counts[sp] == most && most > 0) {
				ties++;
			}
		}
		main_split[members[i].root] = (uint8_t)(ties ? SPLIT_NONE : main);
	}
	for (i = 0; i < n; i++)
		if (best[i * 3 + NEAR_SPLIT_LEAK].other != NONE &&
		    sm[i].split == main_split[root[i]])
			best[i * 3 + NEAR_SPLIT_LEAK].other = NONE;

	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++) {
			const struct offer *o = &best[i * 3 + k];
			if (o->other == NONE)
				continue;
			out = xgrow(out, &cap, nout + 1, sizeof *out);
			out[nout++] = (struct near_line){
				.sample = (uint32_t)i, .other = o->other,
				.group = size[root[i]],
				.what = (uint8_t)k, .kind = near_fp(set, i)->kind,
				.score = o->score,
			};
		}
	free(members);
	free(main_split);
	free(root);
	free(counts);
	free(size);
	free(best);
	free(parent);
	*nlines = nout;
	return out;
}
