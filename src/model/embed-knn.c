/* embed-knn.c — exact k nearest neighbours of the embeddings, and the near
 * copies and outliers they show. */
#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dataset.h"
#include "embed-knn.h"
#include "embed.h"
#include "util.h"
#include "worker.h"

/* BLAS's sgemm from the library the analysis loaded (dlopen hands back the
 * same one), found here so that the analysis and this file do not call
 * each other. */
static void (*knn_sgemm_)(const char *transa, const char *transb, const int *m,
    const int *n, const int *k, const float *alpha, const float *a,
    const int *lda, const float *b, const int *ldb, const float *beta,
    float *c, const int *ldc, size_t, size_t);
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static char blas_error[256];

static void
blas_open(void)
{
	void *h = dlopen(LAPACK_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		h = dlopen("liblapack.so", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(blas_error, sizeof blas_error, "cannot load LAPACK (%s): %s",
		    LAPACK_SONAME, dlerror());
		return;
	}
	if ((*(void **)&knn_sgemm_ = dlsym(h, "sgemm_")) == NULL)
		snprintf(blas_error, sizeof blas_error, "%s lacks sgemm_", LAPACK_SONAME);
}

/* Rows of queries and of candidates a tile: 32 MB of distances, and
 * enough rows that sgemm runs near its peak. */
#define QUERY_TILE 1024
#define CANDIDATE_TILE 8192
/* Candidates kept a row beyond the k: the subtraction's rounding may put
 * a near tie in the wrong order, which measuring again puts right. */
#define SPARE 4

/* Squared distances of the nq rows at q to the np points at p (both
 * dim wide), with their squared norms qsq and psq, into d (nq × np):
 * |q|² + |p|² - 2 q·p, the products through sgemm. */
static void
squared_distances(const float *q, const float *qsq, size_t nq, const float *p,
    const float *psq, size_t np, size_t dim, float *d)
{
	int inq = (int)nq, inp = (int)np, id = (int)dim;
	float one = 1, zero = 0;
	size_t r, c;

	/* Column-major, d is np × nq: row r of the queries' products lies at
	 * d + r * np. */
	knn_sgemm_("T", "N", &inp, &inq, &id, &one, p, &id, q, &id, &zero, d, &inp, 1, 1);
	for (r = 0; r < nq; r++)
		for (c = 0; c < np; c++)
			d[r * np + c] = qsq[r] + psq[c] - 2 * d[r * np + c];
}

struct select_job {
	const float *d;         /* nq × nc squared distances */
	size_t q0, nq, c0, nc;  /* the tile: queries and candidates */
	size_t k;
	float *bd;              /* n × k: best squared distances so far */
	uint32_t *bi;           /* n × k: their rows */
	unsigned nparts;
};

/* Keep the k smallest of each query row's distances in this tile. */
static void
select_part(void *arg, unsigned part)
{
	struct select_job *job = arg;
	size_t from = job->nq * part / job->nparts, to = job->nq * (part + 1) / job->nparts;
	size_t r, c, t, k = job->k;

	for (r = from; r < to; r++) {
		size_t q = job->q0 + r;
		const float *d = job->d + r * job->nc;
		float *bd = job->bd + q * k, worst = bd[k - 1];
		uint32_t *bi = job->bi + q * k;

		for (c = 0; c < job->nc; c++) {
			if (d[c] >= worst || job->c0 + c == q)
				continue;
			for (t = k - 1; t > 0 && bd[t - 1] > d[c]; t--) {
				bd[t] = bd[t - 1];
				bi[t] = bi[t - 1];
			}
			bd[t] = d[c];
			bi[t] = (uint32_t)(job->c0 + c);
			worst = bd[k - 1];
		}
	}
}

static double
exact_distance(const float *a, const float *b, size_t dim)
{
	double s = 0, t;
	size_t j;
	for (j = 0; j < dim; j++) {
		t = (double)a[j] - b[j];
		s += t * t;
	}
	return sqrt(s);
}

struct group_bound {
	float lb;               /* no row of the group is nearer the tile */
	unsigned group;
};

static int
cmp_bound(const void *pa, const void *pb)
{
	const struct group_bound *x = pa, *y = pb;
	if (x->lb != y->lb)
		return x->lb < y->lb ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

/* The rows are searched group by group: a tile of queries skips a group
 * whose centre, less its radius, lies farther from every query than the
 * query's k-th nearest so far (the triangle inequality). Rows of one
 * group sit together, so a group is a run of candidates for sgemm. */
struct groups {
	size_t n;               /* groups */
	size_t *start;          /* n + 1: each group's first row (sorted order) */
	float *centre;          /* n × dim */
	float *csq;             /* n: |centre|² */
	float *radius;          /* n: the farthest row from the centre */
};

static void
groups_make(struct groups *g, const float *xs, size_t dim)
{
	size_t h, i, j;

	g->centre = xcalloc(g->n * dim, sizeof *g->centre);
	g->csq = xmalloc(g->n * sizeof *g->csq);
	g->radius = xcalloc(g->n, sizeof *g->radius);
	for (h = 0; h < g->n; h++) {
		size_t m = g->start[h + 1] - g->start[h];
		double *sum = xcalloc(dim, sizeof *sum), s = 0;
		for (i = g->start[h]; i < g->start[h + 1]; i++)
			for (j = 0; j < dim; j++)
				sum[j] += xs[i * dim + j];
		for (j = 0; j < dim && m > 0; j++) {
			g->centre[h * dim + j] = (float)(sum[j] / (double)m);
			s += (double)g->centre[h * dim + j] * g->centre[h * dim + j];
		}
		g->csq[h] = (float)s;
		for (i = g->start[h]; i < g->start[h + 1]; i++) {
			float r = (float)exact_distance(xs + i * dim, g->centre + h * dim, dim);
			if (r > g->radius[h])
				g->radius[h] = r;
		}
		free(sum);
	}
}

int
embed_knn_find(const float *x, size_t n, size_t dim, const unsigned *group,
    size_t k, int (*stop)(void *), void *stop_arg, struct embed_knn *out,
    char **cause)
{
	struct groups g = { 0 };
	struct group_bound *bound;
	float *xs, *sq, *d, *bd, *cd;
	uint32_t *order, *bi;
	size_t i, j, t, h, q0, c0, kk = k + SPARE < n ? k + SPARE : n - 1;
	unsigned nparts = parallel_threads(8);
	int stopped = 0;

	pthread_once(&blas_once, blas_open);
	if (blas_error[0] != '\0') {
		set_cause(cause, "%s", blas_error);
		return -1;
	}
	/* Rows by group (a counting sort), copied in that order. */
	for (i = 0; i < n; i++)
		if (group != NULL && group[i] + 1 > g.n)
			g.n = group[i] + 1;
	if (g.n == 0)
		g.n = 1;
	g.start = xcalloc(g.n + 1, sizeof *g.start);
	for (i = 0; i < n; i++)
		g.start[(group ? group[i] : 0) + 1]++;
	for (h = 0; h < g.n; h++)
		g.start[h + 1] += g.start[h];
	order = xmalloc(n * sizeof *order);
	{
		size_t *fill = xmalloc(g.n * sizeof *fill);
		memcpy(fill, g.start, g.n * sizeof *fill);
		for (i = 0; i < n; i++)
			order[fill[group ? group[i] : 0]++] = (uint32_t)i;
		free(fill);
	}
	xs = xmalloc(n * dim * sizeof *xs);
	sq = xmalloc(n * sizeof *sq);
	for (i = 0; i < n; i++) {
		double s = 0;
		memcpy(xs + i * dim, x + (size_t)order[i] * dim, dim * sizeof *xs);
		for (j = 0; j < dim; j++)
			s += (double)xs[i * dim + j] * xs[i * dim + j];
		sq[i] = (float)s;
	}
	groups_make(&g, xs, dim);

	bd = xmalloc(n * kk * sizeof *bd);
	bi = xcalloc(n * kk, sizeof *bi);
	for (i = 0; i < n * kk; i++)
		bd[i] = INFINITY;
	d = xmalloc((size_t)QUERY_TILE * CANDIDATE_TILE * sizeof *d);
	cd = xmalloc((size_t)QUERY_TILE * g.n * sizeof *cd);
	bound = xmalloc(g.n * sizeof *bound);
	for (h = 0; h < g.n && !stopped; h++)
		for (q0 = g.start[h]; q0 < g.start[h + 1]; q0 += QUERY_TILE) {
			size_t nq = g.start[h + 1] - q0 < QUERY_TILE ? g.start[h + 1] - q0 : QUERY_TILE;
			size_t b;
			if (stop != NULL && stop(stop_arg)) {
				stopped = 1;
				break;
			}
			/* Each group's bound for this tile; its own group first. */
			squared_distances(xs + q0 * dim, sq + q0, nq, g.centre, g.csq, g.n, dim, cd);
			for (b = 0; b < g.n; b++) {
				float lb = INFINITY;
				for (t = 0; t < nq; t++) {
					float c = sqrtf(cd[t * g.n + b] > 0 ? cd[t * g.n + b] : 0);
					if (c - g.radius[b] < lb)
						lb = c - g.radius[b];
				}
				bound[b] = (struct group_bound){ b == h ? -INFINITY : lb, (unsigned)b };
			}
			qsort(bound, g.n, sizeof *bound, cmp_bound);
			for (b = 0; b < g.n; b++) {
				size_t hb = bound[b].group;
				float worst = 0;
				for (t = 0; t < nq; t++)
					if (bd[(q0 + t) * kk + kk - 1] > worst)
						worst = bd[(q0 + t) * kk + kk - 1];
				/* A margin for the rounding of both sides. */
				if (bound[b].lb > 0 && bound[b].lb * bound[b].lb > worst * 1.001f + 1e-6f)
					break;
				for (c0 = g.start[hb]; c0 < g.start[hb + 1]; c0 += CANDIDATE_TILE) {
					size_t nc = g.start[hb + 1] - c0 < CANDIDATE_TILE ?
					    g.start[hb + 1] - c0 : CANDIDATE_TILE;
					/* Threads cost more than they save on small tiles. */
					struct select_job job = { d, q0, nq, c0, nc, kk, bd, bi,
					    nq * nc < 65536 ? 1 : nparts };
					squared_distances(xs + q0 * dim, sq + q0, nq, xs + c0 * dim,
					    sq + c0, nc, dim, d);
					parallel_for(job.nparts, select_part, &job);
				}
			}
		}

	if (stopped) {
		set_cause(cause, "stopped");
		goto done;
	}
	/* The subtraction loses the smallest distances to rounding: the
	 * candidates kept are measured again, sorted by what is measured, and
	 * the k nearest given back in the caller's row numbers. */
	out->n = n;
	out->k = k;
	out->idx = xmalloc(n * k * sizeof *out->idx);
	out->dist = xmalloc(n * k * sizeof *out->dist);
	for (i = 0; i < n; i++) {
		size_t row = order[i];
		uint32_t *ci = bi + i * kk;
		float *cdist = bd + i * kk;
		for (t = 0; t < kk; t++) {
			ci[t] = order[ci[t]];
			cdist[t] = (float)exact_distance(x + row * dim, x + (size_t)ci[t] * dim, dim);
		}
		for (t = 1; t < kk; t++) {
			float dt = cdist[t];
			uint32_t it = ci[t];
			for (j = t; j > 0 && (cdist[j - 1] > dt || (cdist[j - 1] == dt && ci[j - 1] > it)); j--) {
				cdist[j] = cdist[j - 1];
				ci[j] = ci[j - 1];
			}
			cdist[j] = dt;
			ci[j] = it;
		}
		memcpy(out->idx + row * k, ci, k * sizeof *ci);
		memcpy(out->dist + row * k, cdist, k * sizeof *cdist);
	}
done:
	free(bound);
	free(cd);
	free(d);
	free(bi);
	free(bd);
	free(sq);
	free(xs);
	free(order);
	free(g.start);
	free(g.centre);
	free(g.csq);
	free(g.radius);
	return stopped ? -1 : 0;
}

void
embed_knn_free(struct embed_knn *nn)
{
	free(nn->idx);
	free(nn->dist);
	nn->idx = NULL;
	nn->dist = NULL;
}

double
embed_knn_median_nearest(const struct embed_knn *nn)
{
	float *v = xmalloc((nn->n ? nn->n : 1) * sizeof *v);
	size_t i;
	double m;
	for (i = 0; i < nn->n; i++)
		v[i] = nn->dist[i * nn->k];
	m = median(v, nn->n);
	free(v);
	return m;
}

double
embed_knn_mean_distances(const struct embed_knn *nn, float *mean)
{
	float *v = xmalloc((nn->n ? nn->n : 1) * sizeof *v);
	size_t i, t;
	double m;
	for (i = 0; i < nn->n; i++) {
		double s = 0;
		for (t = 0; t < nn->k; t++)
			s += nn->dist[i * nn->k + t];
		v[i] = mean[i] = (float)(s / (double)nn->k);
	}
	m = median(v, nn->n);
	free(v);
	return m;
}

/* ---- near copies ---- */

/* A pair of rows closer than the limit, seen from row a. */
struct near_edge {
	uint32_t a, b;
	float d;
};

static int
cmp_edge(const void *pa, const void *pb)
{
	const struct near_edge *x = pa, *y = pb;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

static uint32_t
find_root(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

static int
same_bytes(const struct check_context *ctx, size_t s, size_t t)
{
	const struct measure *a = &ctx->m[s], *b = &ctx->m[t];
	return a->state == MEASURE_OK && b->state == MEASURE_OK && a->size > 0 &&
	    a->size == b->size && a->hash_lo == b->hash_lo && a->hash_hi == b->hash_hi;
}

/* Which checks each sample already has a line of (1u << check). */
static uint32_t *
lines_had(const struct findings *out, size_t nsamples)
{
	uint32_t *had = xcalloc(nsamples ? nsamples : 1, sizeof *had);
	size_t k;
	for (k = 0; k < out->n; k++)
		if (out->v[k].sample >= 0)
			had[out->v[k].sample] |= 1u << out->v[k].check;
	return had;
}

/* Each group's main split: the one most of its rows are in, SPLIT_NONE
 * on a tie; and whether it spans two splits at all. Indexed by root. */
static void
group_splits(const struct check_context *ctx, const struct embeddings *e,
    const uint32_t *root, const uint32_t *rows, size_t nrows, unsigned *main,
    uint8_t *spans)
{
	const struct dataset *ds = ctx->ds;
	size_t *count = xcalloc(ds->nsplits ? ds->nsplits : 1, sizeof *count);
	size_t i = 0, j, s, best, best_n, ties, present;

	while (i < nrows) {
		uint32_t r = root[rows[i]];
		memset(count, 0, ds->nsplits * sizeof *count);
		for (j = i; j < nrows && root[rows[j]] == r; j++)
			count[ds->samples[e->sample[rows[j]]].split]++;
		for (s = 1, best = 0, best_n = 0, ties = 0, present = 0; s < ds->nsplits; s++) {
			present += count[s] > 0;
			if (count[s] > best_n)
				best = s, best_n = count[s], ties = 0;
			else if (count[s] == best_n && best_n > 0)
				ties++;
		}
		main[r] = ties ? SPLIT_NONE : (unsigned)best;
		spans[r] = present >= 2;
		i = j;
	}
	free(count);
}

static int
cmp_by_root(const void *pa, const void *pb, void *arg)
{
	const uint32_t *root = arg;
	uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
	if (root[x] != root[y])
		return root[x] < root[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
near_copies(const struct check_context *ctx, const struct embeddings *e,
    const struct embed_knn *nn, double limit_ratio, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	const struct sample *sm = ds->samples;
	double med = embed_knn_median_nearest(nn), limit;
	struct near_edge *edge = NULL;
	size_t nedge = 0, cap = 0, i, t, j, nrows = 0;
	uint32_t *parent, *size, *root, *rows, *had;
	unsigned *main;
	uint8_t *spans;

	/* Half the rows exact copies: every other pair is still apart. */
	if (med < 1e-6)
		med = 1e-6;
	limit = limit_ratio * med;
	for (i = 0; i < nn->n; i++)
		for (t = 0; t < nn->k && nn->dist[i * nn->k + t] < limit; t++) {
			uint32_t b = nn->idx[i * nn->k + t];
			float d = nn->dist[i * nn->k + t];
			edge = xgrow(edge, &cap, nedge + 2, sizeof *edge);
			edge[nedge++] = (struct near_edge){ (uint32_t)i, b, d };
			edge[nedge++] = (struct near_edge){ b, (uint32_t)i, d };
		}
	if (nedge == 0)
		return;
	/* Both ways, once each: a pair found from both ends is one. */
	qsort(edge, nedge, sizeof *edge, cmp_edge);
	for (i = j = 0; i < nedge; i++)
		if (j == 0 || edge[i].a != edge[j - 1].a || edge[i].b != edge[j - 1].b)
			edge[j++] = edge[i];
	nedge = j;
	for (i = 0; i < nedge; i++)
		if (edge[i].a < edge[i].b)
			findings_link(out, e->sample[edge[i].a], e->sample[edge[i].b]);

	parent = xmalloc(nn->n * sizeof *parent);
	size = xcalloc(nn->n, sizeof *size);
	root = xmalloc(nn->n * sizeof *root);
	rows = xmalloc(nn->n * sizeof *rows);
	for (i = 0; i < nn->n; i++)
		parent[i] = (uint32_t)i;
	for (i = 0; i < nedge; i++) {
		uint32_t x = find_root(parent, edge[i].a), y = find_root(parent, edge[i].b);
		if (x != y)
			parent[x] = y;
	}
	for (i = 0; i < nedge; i++)
		if (i == 0 || edge[i].a != edge[i - 1].a)
			rows[nrows++] = edge[i].a;
	for (i = 0; i < nrows; i++) {
		root[rows[i]] = find_root(parent, rows[i]);
		size[root[rows[i]]]++;
	}
	qsort_r(rows, nrows, sizeof *rows, cmp_by_root, root);
	main = xmalloc(nn->n * sizeof *main);
	spans = xcalloc(nn->n, 1);
	group_splits(ctx, e, root, rows, nrows, main, spans);
	had = lines_had(out, ds->nsamples);

	for (i = 0; i < nedge; i = j) {
		uint32_t a = edge[i].a, r = root[a];
		size_t s = e->sample[a], dup = SIZE_MAX, conflict = SIZE_MAX, leak = SIZE_MAX;
		unsigned label = sm[s].label, split = sm[s].split;
		int leaks = spans[r] && split != SPLIT_NONE &&
		    (main[r] == SPLIT_NONE || split != main[r]);

		for (j = i; j < nedge && edge[j].a == a; j++) {
			size_t o = e->sample[edge[j].b];
			if (same_bytes(ctx, s, o))
				continue;       /* the exact checks' to report */
			/* The later of two copies under one label in one split. */
			if (dup == SIZE_MAX && sm[o].label == label && sm[o].split == split &&
			    o < s)
				dup = j;
			if (conflict == SIZE_MAX && label != LABEL_NONE &&
			    sm[o].label != LABEL_NONE && sm[o].label != label)
				conflict = j;
			if (leak == SIZE_MAX && leaks && sm[o].split != SPLIT_NONE &&
			    sm[o].split != split)
				leak = j;
		}
		if (dup != SIZE_MAX && !(had[s] & 1u << CHECK_NEAR_DUPLICATE))
			findings_add(out, (long)s, NULL, CHECK_NEAR_DUPLICATE,
			    "near copy by embeddings of %s (group of %u, distance %.3g < %g × median %.3g)",
			    sample_path(ds, e->sample[edge[dup].b]), size[r], edge[dup].d,
			    limit_ratio, med);
		if (conflict != SIZE_MAX && !(had[s] & 1u << CHECK_LABEL_CONFLICT)) {
			size_t o = e->sample[edge[conflict].b];
			findings_add(out, (long)s, NULL, CHECK_LABEL_CONFLICT,
			    "near copy by embeddings of %s, labelled %s (group of %u, "
			    "distance %.3g < %g × median %.3g)", sample_path(ds, o),
			    dataset_label_name(ds, sm[o].label), size[r], edge[conflict].d,
			    limit_ratio, med);
		}
		if (leak != SIZE_MAX && !(had[s] & 1u << CHECK_SPLIT_LEAK)) {
			size_t o = e->sample[edge[leak].b];
			findings_add(out, (long)s, NULL, CHECK_SPLIT_LEAK,
			    "near copy by embeddings in %s of %s in %s (group of %u, "
			    "distance %.3g < %g × median %.3g)", dataset_split_name(ds, split),
			    sample_path(ds, o), dataset_split_name(ds, sm[o].split), size[r],
			    edge[leak].d, limit_ratio, med);
		}
	}
	free(had);
	free(spans);
	free(main);
	free(rows);
	free(root);
	free(size);
	free(parent);
	free(edge);
}

/* ---- outliers ---- */

static void
outliers(const struct check_context *ctx, const struct embeddings *e,
    const struct embed_knn *nn, double threshold, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	float *mean = xmalloc(nn->n * sizeof *mean);
	double med = embed_knn_mean_distances(nn, mean);
	long *line = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *line);
	size_t i;

	for (i = 0; i < ds->nsamples; i++)
		line[i] = -1;
	for (i = 0; i < out->n; i++)
		if (out->v[i].sample >= 0 && out->v[i].check == CHECK_CLUSTER_OUTLIER)
			line[out->v[i].sample] = (long)i;
	for (i = 0; i < nn->n && med > 0; i++) {
		size_t s = e->sample[i];
		double ratio = mean[i] / med;
		char *both;
		if (!(ratio >= threshold))
			continue;
		if (line[s] < 0) {
			findings_add(out, (long)s, NULL, CHECK_CLUSTER_OUTLIER,
			    "k-NN distance %.2f× the dataset's median >= %g (k = %zu)",
			    ratio, threshold, nn->k);
			continue;
		}
		/* Far from its class's centre too: one line, both rules. */
		both = xasprintf("%s; k-NN distance %.2f× the dataset's median >= %g "
		    "(k = %zu)", out->v[line[s]].detail, ratio, threshold, nn->k);
		free(out->v[line[s]].detail);
		out->v[line[s]].detail = both;
	}
	free(line);
	free(mean);
}

int
embed_knn_findings(const struct check_context *ctx, const struct embeddings *e,
    const struct embed_analysis *a, struct findings *out, char **cause)
{
	const struct dataset *ds = ctx->ds;
	struct embed_knn nn;
	unsigned *group;
	size_t i;
	int status;

	if (a->n < EMBED_KNN_MIN_ROWS)
		return 0;
	/* Classes make good groups for the search: they cluster. */
	group = xmalloc(a->n * sizeof *group);
	for (i = 0; i < a->n; i++) {
		unsigned l = ds->samples[e->sample[i]].label;
		group[i] = l == LABEL_NONE ? (unsigned)ds->nlabels : l;
	}
	status = embed_knn_find(a->proj, a->n, a->ncomp, group, EMBED_KNN_K,
	    ctx->stopping, ctx->stopping_arg, &nn, cause);
	free(group);
	if (status != 0)
		return -1;
	near_copies(ctx, e, &nn, ctx->th->v[TH_KNN_NEAR], out);
	outliers(ctx, e, &nn, ctx->th->v[TH_KNN_OUTLIER], out);
	embed_knn_free(&nn);
	return 0;
}
