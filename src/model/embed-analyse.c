/* embed-analyse.c — what the embeddings say (embed.h): principal
 * components through LAPACK, two-means splits, outliers and the cluster
 * scores, and the findings the checks show. The vectors are read in
 * embed.c. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dataset.h"
#include "embed.h"
#include "util.h"

/* BLAS and LAPACK (OpenBLAS where installed), loaded when an analysis
 * first needs them: OpenBLAS starts its threads as it loads, and they
 * spin for a while, which every other command would pay for. Fortran
 * passes everything by reference, and each character argument's length
 * after the others. */
static void (*ssyrk_)(const char *uplo, const char *trans, const int *n,
    const int *k, const float *alpha, const float *a, const int *lda,
    const float *beta, float *c, const int *ldc, size_t, size_t);
static void (*sgemm_)(const char *transa, const char *transb, const int *m,
    const int *n, const int *k, const float *alpha, const float *a,
    const int *lda, const float *b, const int *ldb, const float *beta,
    float *c, const int *ldc, size_t, size_t);
static void (*dsyevr_)(const char *jobz, const char *range, const char *uplo,
    const int *n, double *a, const int *lda, const double *vl,
    const double *vu, const int *il, const int *iu, const double *abstol,
    int *m, double *w, double *z, const int *ldz, int *isuppz, double *work,
    const int *lwork, int *iwork, const int *liwork, int *info, size_t,
    size_t, size_t);

static pthread_once_t lapack_once = PTHREAD_ONCE_INIT;
static char lapack_error[256];

static void
lapack_open(void)
{
	static const char *const names[] = { LAPACK_SONAME, "liblapack.so" };
	void *h = NULL;
	size_t i;

	/* The first name's failure is the one to tell (dlerror's text lasts
	 * only until the next try). */
	for (i = 0; i < ARRAY_SIZE(names) && h == NULL; i++)
		if ((h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) == NULL && i == 0)
			snprintf(lapack_error, sizeof lapack_error, "cannot load LAPACK (%s): %s",
			    names[i], dlerror());
	if (h == NULL)
		return;
	lapack_error[0] = '\0';
	/* The BLAS routines come with LAPACK, which depends on them. */
	*(void **)&ssyrk_ = dlsym(h, "ssyrk_");
	*(void **)&sgemm_ = dlsym(h, "sgemm_");
	*(void **)&dsyevr_ = dlsym(h, "dsyevr_");
	if (ssyrk_ == NULL || sgemm_ == NULL || dsyevr_ == NULL)
		snprintf(lapack_error, sizeof lapack_error, "%s lacks %s", LAPACK_SONAME,
		    ssyrk_ == NULL ? "ssyrk_" : sgemm_ == NULL ? "sgemm_" : "dsyevr_");
}

/* Load LAPACK once; 0, or -1 with *cause set. */
static int
lapack_load(char **cause)
{
	pthread_once(&lapack_once, lapack_open);
	if (lapack_error[0] == '\0')
		return 0;
	set_cause(cause, "%s", lapack_error);
	return -1;
}


/* ---- principal components ---- */

/* The k eigenvectors of the symmetric n × n matrix a (lower triangle,
 * column-major; destroyed) with the largest eigenvalues, most first: values
 * into w[k], vectors into v (k rows of n). Each vector's largest component
 * is made positive, so results do not flip between runs. Returns 0, or -1
 * with *cause set. */
static int
top_eigen(double *a, int n, int k, double *w, float *v, char **cause)
{
	const double zero = 0;
	int il = n - k + 1, iu = n, m = 0, info = 0, lwork = -1, liwork = -1, iwq;
	int *isuppz = xmalloc(2 * (size_t)k * sizeof *isuppz), *iwork;
	double wq, *work, *z = xmalloc((size_t)n * k * sizeof *z);
	double *wall = xmalloc((size_t)n * sizeof *wall);
	int c, j, best;

	dsyevr_("V", "I", "L", &n, a, &n, &zero, &zero, &il, &iu, &zero, &m, wall,
	    z, &n, isuppz, &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1);
	lwork = (int)wq;
	liwork = iwq;
	work = xmalloc((size_t)lwork * sizeof *work);
	iwork = xmalloc((size_t)liwork * sizeof *iwork);
	dsyevr_("V", "I", "L", &n, a, &n, &zero, &zero, &il, &iu, &zero, &m, wall,
	    z, &n, isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	free(work);
	free(iwork);
	free(isuppz);
	if (info != 0 || m != k) {
		set_cause(cause, "the eigenvalue solver failed (dsyevr info %d)", info);
		free(z);
		free(wall);
		return -1;
	}
	/* LAPACK gives them in ascending order. */
	for (c = 0; c < k; c++) {
		const double *col = z + (size_t)(k - 1 - c) * n;
		w[c] = wall[k - 1 - c] > 0 ? wall[k - 1 - c] : 0;
		for (j = 1, best = 0; j < n; j++)
			if (fabs(col[j]) > fabs(col[best]))
				best = j;
		for (j = 0; j < n; j++)
			v[(size_t)c * n + j] = (float)(col[best] < 0 ? -col[j] : col[j]);
	}
	free(z);
	free(wall);
	return 0;
}

/* Covariance of n centred rows of dim values (row-major) as a dim × dim
 * lower triangle in double, through BLAS's ssyrk. */
static double *
covariance(const float *x, size_t n, size_t dim)
{
	int in = (int)n, id = (int)dim;
	float alpha = 1.0f / (float)(n > 1 ? n - 1 : 1), beta = 0;
	float *c = xcalloc(dim * dim, sizeof *c);
	double *cd = xmalloc(dim * dim * sizeof *cd);
	size_t i;

	ssyrk_("L", "N", &id, &in, &alpha, x, &id, &beta, c, &id, 1, 1);
	for (i = 0; i < dim * dim; i++)
		cd[i] = c[i];
	free(c);
	return cd;
}

/* out (n × k) = x (n × dim, row-major) times the k vectors v (k × dim). */
static void
project(const float *x, size_t n, size_t dim, const float *v, size_t k,
    float *out)
{
	int in = (int)n, id = (int)dim, ik = (int)k;
	float one = 1, zero = 0;
	sgemm_("T", "N", &ik, &in, &id, &one, v, &id, x, &id, &zero, out, &ik, 1, 1);
}

/* ---- k-means, k = 2 ---- */

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
uniform01(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

#define KMEANS_TRIES 4
#define KMEANS_ITERATIONS 100
#define KMEANS_FIT_ROWS 4096

static double
dist2(const float *p, const double *c, size_t m)
{
	double s = 0, t;
	size_t j;
	for (j = 0; j < m; j++) {
		t = p[j] - c[j];
		s += t * t;
	}
	return s;
}

/* Lloyd's k-means with two centres over n points of m coordinates (stride
 * apart), from k-means++ starts drawn from seed; the best of a few tries.
 * Fills c[2][m] and assign[n]; returns the sum of squared distances, or -1
 * when the points are all one. */
static double
kmeans2(const float *q, size_t n, size_t stride, size_t m, uint64_t seed,
    double c[2][EMBED_CLASS_COMPONENTS], uint8_t *assign)
{
	double best = -1, cc[2][EMBED_CLASS_COMPONENTS], sum[2][EMBED_CLASS_COMPONENTS];
	double *d2 = xmalloc(n * sizeof *d2), total, r, sse;
	uint8_t *a = xmalloc(n);
	size_t cnt[2], i, j, it, first;
	int t, changed;

	for (t = 0; t < KMEANS_TRIES; t++) {
		first = (size_t)(splitmix64(&seed) % n);
		for (j = 0; j < m; j++)
			cc[0][j] = q[first * stride + j];
		for (i = 0, total = 0; i < n; i++)
			total += d2[i] = dist2(q + i * stride, cc[0], m);
		if (total <= 0)
			break;
		r = uniform01(&seed) * total;
		for (i = 0; i + 1 < n && (r -= d2[i]) > 0; i++)
			;
		while (d2[i] <= 0)      /* never a copy of the first centre */
			i = i ? i - 1 : n - 1;
		for (j = 0; j < m; j++)
			cc[1][j] = q[i * stride + j];
		memset(a, 2, n);
		for (it = 0; it < KMEANS_ITERATIONS; it++) {
			changed = 0;
			memset(sum, 0, sizeof sum);
			cnt[0] = cnt[1] = 0;
			for (i = 0; i < n; i++) {
				const float *p = q + i * stride;
				uint8_t g = dist2(p, cc[1], m) < dist2(p, cc[0], m);
				changed |= a[i] != g;
				a[i] = g;
				cnt[g]++;
				for (j = 0; j < m; j++)
					sum[g][j] += p[j];
			}
			if (cnt[0] == 0 || cnt[1] == 0)
				break;
			for (j = 0; j < m; j++) {
				cc[0][j] = sum[0][j] / (double)cnt[0];
				cc[1][j] = sum[1][j] / (double)cnt[1];
			}
			if (!changed)
				break;
		}
		if (cnt[0] == 0 || cnt[1] == 0)
			continue;
		for (i = 0, sse = 0; i < n; i++)
			sse += dist2(q + i * stride, cc[a[i]], m);
		if (best < 0 || sse < best) {
			best = sse;
			memcpy(c, cc, sizeof cc);
			memcpy(assign, a, n);
		}
	}
	free(d2);
	free(a);
	return best;
}

/* ---- scores ---- */

void
embed_analysis_free(struct embed_analysis *a)
{
	if (a == NULL)
		return;
	free(a->mean);
	free(a->components);
	free(a->variance);
	free(a->proj);
	free(a->class_xy);
	free(a->outlier);
	free(a->group);
	free(a->classes);
	free(a);
}

/* Outlier scores of one class's rows (row ids in rows[n]), in the full
 * space; sets the class's spread. */
static void
class_outliers(const struct embeddings *e, struct embed_analysis *a,
    const uint32_t *rows, size_t n, struct embed_class *cl)
{
	size_t i, j, d = e->dim;
	double *mu = xcalloc(d, sizeof *mu), *d2 = xmalloc(n * sizeof *d2), ss = 0;

	for (i = 0; i < n; i++) {
		const float *x = e->x + (size_t)rows[i] * d;
		for (j = 0; j < d; j++)
			mu[j] += x[j];
	}
	for (j = 0; j < d; j++)
		mu[j] /= (double)n;
	for (i = 0; i < n; i++) {
		const float *x = e->x + (size_t)rows[i] * d;
		double s = 0, t;
		for (j = 0; j < d; j++) {
			t = x[j] - mu[j];
			s += t * t;
		}
		ss += d2[i] = s;
	}
	cl->spread = (float)sqrt(ss / (double)n);
	if (n >= EMBED_MIN_OUTLIER_CLASS && cl->spread > 0)
		for (i = 0; i < n; i++)
			a->outlier[rows[i]] = (float)(sqrt(d2[i]) / cl->spread);
	free(mu);
	free(d2);
}

/* One class's own components (within the global ones), its 2-D view, and
 * its split. Its outliers are left out of fitting, not out of the view. */
static int
class_split(struct embed_analysis *a, const uint32_t *rows, size_t n,
    unsigned label, struct embed_class *cl, char **cause)
{
	size_t M = a->ncomp, i, j, ncore = 0, m, kc;
	float *core, *q, *v;
	double *mu = xcalloc(M, sizeof *mu), *cov, w[EMBED_CLASS_COMPONENTS];
	double c[2][EMBED_CLASS_COMPONENTS], delta, within;
	uint8_t *assign;
	size_t cnt[2] = { 0, 0 };
	int status = -1;

	m = n / 10;
	m = m < 1 ? 1 : m > EMBED_CLASS_COMPONENTS ? EMBED_CLASS_COMPONENTS : m;
	if (m > M)
		m = M;
	kc = m < 2 ? 2 : m;
	if (kc > M)
		kc = M;

	core = xmalloc(n * M * sizeof *core);
	for (i = 0; i < n; i++)
		if (!(a->outlier[rows[i]] >= EMBED_OUTLIER_THRESHOLD))
			memcpy(core + ncore++ * M, a->proj + (size_t)rows[i] * M,
			    M * sizeof *core);
	if (ncore < 2) {        /* all outliers, or one row: fit on them all */
		for (i = 0; i < n; i++)
			memcpy(core + i * M, a->proj + (size_t)rows[i] * M, M * sizeof *core);
		ncore = n;
	}
	for (i = 0; i < ncore; i++)
		for (j = 0; j < M; j++)
			mu[j] += core[i * M + j];
	for (j = 0; j < M; j++)
		mu[j] /= (double)ncore;
	for (i = 0; i < ncore; i++)
		for (j = 0; j < M; j++)
			core[i * M + j] -= (float)mu[j];

	v = xmalloc(kc * M * sizeof *v);
	cov = covariance(core, ncore, M);
	if (top_eigen(cov, (int)M, (int)kc, w, v, cause) != 0) {
		free(cov);
		goto out;
	}
	free(cov);
	cl->axis_var[0] = (float)w[0];
	cl->axis_var[1] = kc > 1 ? (float)w[1] : 0;

	/* Every row in the class's coordinates: the view, and the groups. */
	q = xmalloc(n * kc * sizeof *q);
	{
		float *tmp = xmalloc(n * M * sizeof *tmp);
		for (i = 0; i < n; i++)
			for (j = 0; j < M; j++)
				tmp[i * M + j] = a->proj[(size_t)rows[i] * M + j] - (float)mu[j];
		project(tmp, n, M, v, kc, q);
		free(tmp);
	}
	for (i = 0; i < n; i++) {
		a->class_xy[(size_t)rows[i] * 2] = q[i * kc];
		a->class_xy[(size_t)rows[i] * 2 + 1] = kc > 1 ? q[i * kc + 1] : 0;
	}

	if (n >= EMBED_MIN_SPLIT_CLASS) {
		/* Fit on the core rows only: gather their coordinates. */
		float *qc = xmalloc(ncore * m * sizeof *qc);
		size_t nc = 0;
		int all = ncore == n;
		for (i = 0; i < n; i++)
			if (all || !(a->outlier[rows[i]] >= EMBED_OUTLIER_THRESHOLD)) {
				for (j = 0; j < m; j++)
					qc[nc * m + j] = q[i * kc + j];
				nc++;
			}
		/* Fit on at most KMEANS_FIT_ROWS of them, evenly spread: enough
		 * to place two centres, and k-means costs no more in a big class. */
		size_t step = (nc + KMEANS_FIT_ROWS - 1) / KMEANS_FIT_ROWS;
		size_t nfit = (nc + step - 1) / step;
		uint64_t seed = 0x77696e6e6f77ULL ^ label;
		assign = xmalloc(nfit);
		if (kmeans2(qc, nfit, step * m, m, seed, c, assign) >= 0) {
			double u[EMBED_CLASS_COMPONENTS], s1[2] = { 0, 0 }, s2[2] = { 0, 0 };
			double ss = 0;
			size_t gn[2] = { 0, 0 };
			for (j = 0, delta = 0; j < m; j++) {
				u[j] = c[1][j] - c[0][j];
				delta += u[j] * u[j];
			}
			delta = sqrt(delta);
			for (j = 0; j < m; j++)
				u[j] /= delta;
			/* The spread along u within each group, over every core row. */
			for (i = 0; i < nc; i++) {
				const float *p = qc + i * m;
				uint8_t g = dist2(p, c[1], m) < dist2(p, c[0], m);
				double t = 0;
				for (j = 0; j < m; j++)
					t += p[j] * u[j];
				s1[g] += t;
				s2[g] += t * t;
				gn[g]++;
			}
			for (j = 0; j < 2; j++)
				if (gn[j])
					ss += s2[j] - s1[j] * s1[j] / (double)gn[j];
			within = sqrt((ss > 0 ? ss : 0) / (double)nc);
			if (within < delta * 1e-6)
				within = delta * 1e-6;
			cl->split = (float)(delta / within);
			/* Every row, outliers too, joins the nearer centre. */
			for (i = 0; i < n; i++) {
				uint8_t g = dist2(q + i * kc, c[1], m) < dist2(q + i * kc, c[0], m);
				a->group[rows[i]] = g;
				cnt[g]++;
			}
			cl->group_n[0] = cnt[0];
			cl->group_n[1] = cnt[1];
		} else
			cl->split = 0;
		free(assign);
		free(qc);
	}
	free(q);
	status = 0;
out:
	free(v);
	free(core);
	free(mu);
	return status;
}

struct embed_analysis *
embed_analyse(struct embeddings *e, const struct dataset *ds,
    int (*stop)(void *), void *arg, char **cause)
{
	struct embed_analysis *a;
	size_t n = e->n, d = e->dim, i, j, k, M, nl = ds->nlabels;
	double *mean, *cov;
	size_t *start;
	uint32_t *order;

	if (lapack_load(cause) != 0)
		return NULL;
	if (n > INT32_MAX) {
		set_cause(cause, "%s: %zu rows: too many", e->file, n);
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->n = n;
	a->dim = d;
	M = d < EMBED_COMPONENTS ? d : EMBED_COMPONENTS;
	a->ncomp = M;

	/* Centre: the components need it, and every score is a distance. */
	mean = xcalloc(d, sizeof *mean);
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			mean[j] += e->x[i * d + j];
	a->mean = xmalloc(d * sizeof *a->mean);
	for (j = 0; j < d; j++)
		a->mean[j] = (float)(mean[j] / (double)n);
	free(mean);
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			e->x[i * d + j] -= a->mean[j];
	if (stop && stop(arg))
		goto stopped;

	cov = covariance(e->x, n, d);
	for (j = 0, a->total_variance = 0; j < d; j++)
		a->total_variance += cov[j * d + j];
	if (stop && stop(arg)) {
		free(cov);
		goto stopped;
	}
	a->variance = xmalloc(M * sizeof *a->variance);
	a->components = xmalloc(M * d * sizeof *a->components);
	if (top_eigen(cov, (int)d, (int)M, a->variance, a->components, cause) != 0) {
		free(cov);
		goto fail;
	}
	free(cov);
	a->proj = xmalloc(n * M * sizeof *a->proj);
	project(e->x, n, d, a->components, M, a->proj);
	if (stop && stop(arg))
		goto stopped;

	/* Rows by class (a counting sort), then each class on its own. */
	a->nclasses = nl;
	a->classes = xcalloc(nl ? nl : 1, sizeof *a->classes);
	a->outlier = xmalloc(n * sizeof *a->outlier);
	a->class_xy = xmalloc(n * 2 * sizeof *a->class_xy);
	a->group = xmalloc(n);
	memset(a->group, EMBED_NO_GROUP, n);
	for (i = 0; i < n; i++) {
		a->outlier[i] = NAN;
		a->class_xy[2 * i] = a->class_xy[2 * i + 1] = NAN;
	}
	for (k = 0; k < nl; k++) {
		a->classes[k].spread = NAN;
		a->classes[k].split = NAN;
	}
	start = xcalloc(nl + 2, sizeof *start);
	order = xmalloc(n * sizeof *order);
	for (i = 0; i < n; i++) {
		unsigned l = ds->samples[e->sample[i]].label;
		if (l < nl)
			start[l + 1]++;
	}
	for (k = 0; k < nl; k++)
		start[k + 1] += start[k];
	for (i = 0; i < n; i++) {
		unsigned l = ds->samples[e->sample[i]].label;
		if (l < nl)
			order[start[l]++] = (uint32_t)i;
	}
	for (k = nl; k > 0; k--)
		start[k] = start[k - 1];
	start[0] = 0;
	for (k = 0; k < nl; k++) {
		size_t cn = start[k + 1] - start[k];
		a->classes[k].n = cn;
		if (cn == 0)
			continue;
		class_outliers(e, a, order + start[k], cn, &a->classes[k]);
		if (class_split(a, order + start[k], cn, (unsigned)k, &a->classes[k],
		    cause) != 0) {
			free(start);
			free(order);
			goto fail;
		}
		if (stop && stop(arg)) {
			free(start);
			free(order);
			goto stopped;
		}
	}
	free(start);
	free(order);
	return a;
stopped:
	set_cause(cause, "stopped");
fail:
	embed_analysis_free(a);
	return NULL;
}

static int
cmp_split(const void *pa, const void *pb, void *arg)
{
	const struct embed_analysis *a = arg;
	unsigned x = *(const unsigned *)pa, y = *(const unsigned *)pb;
	float sx = a->classes[x].split, sy = a->classes[y].split;
	int hx = !isnan(sx), hy = !isnan(sy);
	if (hx != hy)
		return hy - hx;
	if (hx && sx != sy)
		return sx > sy ? -1 : 1;
	return x < y ? -1 : x > y;
}

unsigned *
embed_split_ranking(const struct embed_analysis *a)
{
	unsigned *r = xmalloc((a->nclasses ? a->nclasses : 1) * sizeof *r), k;
	for (k = 0; k < a->nclasses; k++)
		r[k] = k;
	qsort_r(r, a->nclasses, sizeof *r, cmp_split, (void *)a);
	return r;
}

/* ---- findings ---- */

/* Does class k count as split at this threshold? */
static int
is_split(const struct embed_class *cl, double threshold)
{
	size_t small = cl->group_n[0] < cl->group_n[1] ? cl->group_n[0] : cl->group_n[1];
	return cl->split >= threshold && cl->n > 0 &&
	    (double)small >= EMBED_SPLIT_MIN_SHARE * (double)cl->n;
}

void
embed_findings(const struct embeddings *e, const struct embed_analysis *a,
    const struct dataset *ds, double outlier_threshold, double split_threshold,
    struct findings *out)
{
	size_t i, k;

	for (i = 0; i < a->n; i++)
		if (a->outlier[i] >= outlier_threshold) {
			unsigned l = ds->samples[e->sample[i]].label;
			findings_add(out, (long)e->sample[i], NULL, CHECK_CLUSTER_OUTLIER,
			    "%.2f spreads from the centre of %s >= %g", a->outlier[i],
			    dataset_label_name(ds, l), outlier_threshold);
		}
	for (k = 0; k < a->nclasses; k++) {
		const struct embed_class *cl = &a->classes[k];
		char *path;
		if (!is_split(cl, split_threshold))
			continue;
		path = xasprintf("%s/", ds->labels[k]);
		findings_add(out, -1, path, CHECK_CLUSTER_SPLIT,
		    "split score %.2f >= %g: groups of %zu and %zu", cl->split,
		    split_threshold, cl->group_n[0], cl->group_n[1]);
		free(path);
	}
}

int
embed_judge(const struct check_context *ctx, void *arg, struct findings *out,
    char **cause)
{
	struct embed_judge *j = arg;
	struct embeddings *e;
	struct embed_analysis *a;
	char *file = j->file ? xstrdup(j->file) : embed_default_file(ctx->ds);
	size_t i;

	if (file == NULL)
		return 0;
	e = embed_load(ctx->ds, file, NULL, NULL, cause);
	free(file);
	if (e == NULL)
		return -1;
	if (j->problems != NULL) {
		for (i = 0; i < e->nproblems; i++)
			fprintf(j->problems, "%s: %s: line %zu: %s\n", progname, e->file,
			    e->problems[i].line, e->problems[i].message);
		if (e->nbad > e->nproblems)
			fprintf(j->problems, "%s: %s: %zu more bad rows\n", progname,
			    e->file, e->nbad - e->nproblems);
		if (e->nbad)
			fprintf(j->problems, "%s: %s: %zu of %zu rows skipped\n", progname,
			    e->file, e->nbad, e->lines);
	}
	if ((a = embed_analyse(e, ctx->ds, NULL, NULL, cause)) == NULL) {
		embed_free(e);
		return -1;
	}
	embed_findings(e, a, ctx->ds, ctx->th->v[TH_OUTLIER], ctx->th->v[TH_SPLIT], out);
	embed_analysis_free(a);
	embed_free(e);
	return 0;
}
