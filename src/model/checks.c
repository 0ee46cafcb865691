/* checks.c — thresholds, findings, and the judges that look at every
 * sample's measures at once. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "embed.h"
#include "neardup.h"
#include "embed-knn.h"
#include "predictions.h"
#include "settings.h"
#include "util.h"

/* ---- thresholds ---- */

static const struct {
	const char *name;
	double value;
	const char *help;
} thresholds[TH_COUNT] = {
	[TH_SILENT] = { "silent", -60,
	    "dBFS: a clip whose peak is below this is silent" },
	[TH_QUIET] = { "quiet", -30,
	    "dB: a peak this far below the dataset's median peak is quiet" },
	[TH_TRUNCATED] = { "truncated", 0.8,
	    "a clip shorter than this times its class's median duration is truncated" },
	[TH_EDGE] = { "edge", -10,
	    "dB: a first or last 10 ms within this of the loudest 10 ms is cut off" },
	[TH_CLIPPED] = { "clipped", 0.1,
	    "%: this share of samples in runs at full scale is clipped" },
	[TH_BLANK] = { "blank", 2,
	    "an image whose pixel values spread less than this (of 255) is blank" },
	[TH_TINY] = { "tiny", 0.25,
	    "an image whose shorter side is below this times the median is tiny" },
	[TH_IMBALANCE] = { "imbalance", 10,
	    "the largest class this many times the smallest is an imbalance" },
	[TH_OUTLIER] = { "outlier", EMBED_OUTLIER_THRESHOLD,
	    "an embedding this many class spreads from its class's centre is an outlier" },
	[TH_SPLIT] = { "split", EMBED_SPLIT_THRESHOLD,
	    "a class whose two k-means groups are this far apart (in their spread) is split" },
	[TH_FIXED] = { "fixed-length", 0.7,
	    "a class with this share of its clips within 5% of its median duration is "
	    "recorded in fixed lengths; only there is a clip judged truncated" },
	[TH_FORMAT_SHARE] = { "format-share", 0.9,
	    "a rate, channel count or encoding held by this share of the class's "
	    "(else the dataset's) audio makes a clip without it a format-mismatch" },
	[TH_DC_OFFSET] = { "dc-offset", -40,
	    "dBFS: a clip whose mean sample is this far from zero has a DC offset" },
	[TH_NOISY] = { "noisy", 10,
	    "dB: a clip whose estimated SNR (WADA) is below this, and 15 dB below "
	    "the dataset's median, is noisy" },
	[TH_DARK] = { "dark", 0.22,
	    "an image whose brightest 1% is below this share of full scale (and "
	    "half the dataset's median) is dark" },
	[TH_BRIGHT] = { "bright", 0.8,
	    "an image whose darkest 1% is above this share of full scale (and "
	    "halfway from the dataset's median to white) is bright" },
	[TH_BLURRY] = { "blurry", 0.4,
	    "an image whose sharpness is below this times the dataset's median is blurry" },
	[TH_GRAYSCALE] = { "grayscale", 6,
	    "an image with 99% of pixels within this (of 255) of grey has no colour" },
	[TH_COLOUR_SHARE] = { "colour-share", 0.5,
	    "grayscale is judged only where this share of the images have colour" },
	[TH_ODD_ASPECT] = { "odd-aspect", 2.5,
	    "an image this many times wider or taller than the class's (else the "
	    "dataset's) median width/height is odd-aspect" },
	[TH_LOW_INFORMATION] = { "low-information", 3,
	    "bits: an image whose luma entropy is below this (and half the dataset's "
	    "median) has low information" },
	[TH_NEAR_AUDIO] = { "near-audio", 0.94,
	    "clips whose waveforms correlate this well (of 1) once aligned are near copies" },
	[TH_NEAR_IMAGE] = { "near-image", 7,
	    "images whose hashes are this many bits (of 64) apart or fewer are near copies" },
	[TH_KNN_NEAR] = { "knn-near", EMBED_KNN_NEAR_THRESHOLD,
	    "embeddings closer than this times the median distance to the nearest "
	    "neighbour are near copies" },
	[TH_KNN_OUTLIER] = { "knn-outlier", EMBED_KNN_OUTLIER_THRESHOLD,
	    "an embedding whose mean distance to its 10 nearest is this many times "
	    "the dataset's median is an outlier" },
};

/* A clip cut at an edge stands out from its own background by at least
 * this much; stationary noise (no quiet part) is never "cut off". */
#define EDGE_RANGE_DB 20.0
/* How near its median a clip's duration must be to count toward a fixed
 * length (a fraction of the median). */
#define FIXED_LENGTH_TOLERANCE 0.05

const char *
threshold_name(enum threshold_id id)
{
	return (unsigned)id < TH_COUNT ? thresholds[id].name : NULL;
}

double
threshold_default(enum threshold_id id)
{
	return (unsigned)id < TH_COUNT ? thresholds[id].value : NAN;
}

const char *
threshold_help(enum threshold_id id)
{
	return (unsigned)id < TH_COUNT ? thresholds[id].help : NULL;
}

void
thresholds_init(struct thresholds *t)
{
	int i;
	for (i = 0; i < TH_COUNT; i++)
		if (!(t->given & 1u << i))
			t->v[i] = settings_threshold(thresholds[i].name, thresholds[i].value);
}

int
thresholds_set(struct thresholds *t, const char *assignment, char **cause)
{
	const char *eq = strchr(assignment, '=');
	char *end;
	double v;
	int i;

	if (eq == NULL) {
		set_cause(cause, "'%s': expected NAME=VALUE", assignment);
		return -1;
	}
	for (i = 0; i < TH_COUNT; i++)
		if (strlen(thresholds[i].name) == (size_t)(eq - assignment) &&
		    strncmp(thresholds[i].name, assignment, (size_t)(eq - assignment)) == 0)
			break;
	if (i == TH_COUNT) {
		set_cause(cause, "'%.*s': no such threshold", (int)(eq - assignment), assignment);
		return -1;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end != '\0' || errno != 0 || !isfinite(v)) {
		set_cause(cause, "'%s': the value is not a number", assignment);
		return -1;
	}
	t->v[i] = v;
	t->given |= 1u << i;
	return 0;
}

/* ---- findings ---- */

void
findings_add(struct findings *f, long sample, const char *path, enum check_id check,
    const char *fmt, ...)
{
	struct finding *x;
	va_list ap;
	f->v = xgrow(f->v, &f->cap, f->n + 1, sizeof *f->v);
	x = &f->v[f->n++];
	x->sample = sample;
	x->path = sample < 0 ? xstrdup(path) : NULL;
	x->check = check;
	va_start(ap, fmt);
	x->detail = xvasprintf(fmt, ap);
	va_end(ap);
	f->count[check]++;
}

const char *
finding_path(const struct finding *f, const struct dataset *ds)
{
	return f->sample >= 0 ? sample_path(ds, (size_t)f->sample) : f->path;
}

static int
cmp_finding(const void *a, const void *b, void *arg)
{
	const struct finding *x = a, *y = b;
	const struct dataset *ds = arg;
	int c;
	if (x->sample >= 0 && y->sample >= 0 && x->sample != y->sample)
		return x->sample < y->sample ? -1 : 1;
	if ((c = strcmp(finding_path(x, ds), finding_path(y, ds))) != 0)
		return c;
	return (int)x->check - (int)y->check;
}

void
findings_sort(struct findings *f, const struct dataset *ds)
{
	if (f->n > 1)
		qsort_r(f->v, f->n, sizeof *f->v, cmp_finding, (void *)ds);
}

void
findings_free(struct findings *f)
{
	size_t i;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].detail);
	}
	free(f->v);
	free(f->links);
	free(f->copies);
	memset(f, 0, sizeof *f);
}

void
findings_link(struct findings *f, size_t a, size_t b)
{
	f->links = xgrow(f->links, &f->caplinks, 2 * f->nlinks + 2, sizeof *f->links);
	f->links[2 * f->nlinks] = (uint32_t)a;
	f->links[2 * f->nlinks + 1] = (uint32_t)b;
	f->nlinks++;
}

static uint32_t
link_root(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

static int
cmp_u32(const void *p, const void *q)
{
	uint32_t a = *(const uint32_t *)p, b = *(const uint32_t *)q;
	return a < b ? -1 : a > b;
}

static int
cmp_member(const void *p, const void *q)
{
	const struct copy_member *a = p, *b = q;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return a->sample < b->sample ? -1 : a->sample > b->sample;
}

/* Union-find over the linked samples alone, numbered as they come: the
 * links are few beside the samples. */
void
findings_group(struct findings *f)
{
	size_t n = 2 * f->nlinks, i, k, nid;
	uint32_t *id = xmalloc((n ? n : 1) * sizeof *id);
	uint32_t *sample = xmalloc((n ? n : 1) * sizeof *sample);
	uint32_t *parent;

	/* Each distinct sample an id: sort them, and find each link's. */
	if (n > 0)
		memcpy(sample, f->links, n * sizeof *sample);
	qsort(sample, n, sizeof *sample, cmp_u32);
	for (i = nid = 0; i < n; i++)
		if (nid == 0 || sample[i] != sample[nid - 1])
			sample[nid++] = sample[i];
	for (i = 0; i < n; i++)
		id[i] = (uint32_t)((uint32_t *)bsearch(&f->links[i], sample, nid,
		    sizeof *sample, cmp_u32) - sample);
	parent = xmalloc((nid ? nid : 1) * sizeof *parent);
	for (k = 0; k < nid; k++)
		parent[k] = (uint32_t)k;
	for (i = 0; i < n; i += 2) {
		uint32_t x = link_root(parent, id[i]), y = link_root(parent, id[i + 1]);
		/* The lower id stays the root: ids are in sample order, so a
		 * root is its group's lowest sample. */
		if (x != y)
			parent[x > y ? x : y] = x < y ? x : y;
	}
	free(f->copies);
	f->copies = xmalloc((nid ? nid : 1) * sizeof *f->copies);
	f->ncopies = nid;
	for (k = 0; k < nid; k++)
		f->copies[k] = (struct copy_member){ sample[link_root(parent, (uint32_t)k)],
		    sample[k] };
	qsort(f->copies, f->ncopies, sizeof *f->copies, cmp_member);
	free(parent);
	free(sample);
	free(id);
}

void
findings_copy(struct findings *dst, const struct findings *src)
{
	size_t i;

	memset(dst, 0, sizeof *dst);
	dst->v = xmalloc((src->n ? src->n : 1) * sizeof *dst->v);
	dst->n = dst->cap = src->n;
	for (i = 0; i < src->n; i++) {
		dst->v[i] = src->v[i];
		dst->v[i].path = src->v[i].path ? xstrdup(src->v[i].path) : NULL;
		dst->v[i].detail = xstrdup(src->v[i].detail);
	}
	memcpy(dst->count, src->count, sizeof dst->count);
	dst->links = xmalloc((src->nlinks ? 2 * src->nlinks : 1) * sizeof *dst->links);
	if (src->nlinks > 0)
		memcpy(dst->links, src->links, 2 * src->nlinks * sizeof *dst->links);
	dst->nlinks = src->nlinks;
	dst->caplinks = 2 * src->nlinks;
	dst->copies = xmalloc((src->ncopies ? src->ncopies : 1) * sizeof *dst->copies);
	if (src->ncopies > 0)
		memcpy(dst->copies, src->copies, src->ncopies * sizeof *dst->copies);
	dst->ncopies = src->ncopies;
}

const struct copy_member *
findings_copies(const struct findings *f, size_t i, size_t *n)
{
	size_t k, first;
	uint32_t group;

	*n = 0;
	for (k = 0; k < f->ncopies && f->copies[k].sample != i; k++)
		;
	if (k == f->ncopies)
		return NULL;
	group = f->copies[k].group;
	for (first = k; first > 0 && f->copies[first - 1].group == group; first--)
		;
	for (k = first; k < f->ncopies && f->copies[k].group == group; k++)
		;
	*n = k - first;
	return f->copies + first;
}

/* ---- helpers ---- */

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

double
median(float *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_float);
	return n % 2 ? v[n / 2] : ((double)v[n / 2 - 1] + v[n / 2]) / 2;
}

int
is_audio(const struct measure *m)
{
	return m->state == MEASURE_OK && format_kind(m->format) == KIND_AUDIO;
}

int
is_image(const struct measure *m)
{
	return m->state == MEASURE_OK && format_kind(m->format) == KIND_IMAGE &&
	    m->width > 0 && m->height > 0;
}

size_t *
by_label(const struct check_context *ctx, int (*keep)(const struct measure *),
    float (*value)(const struct measure *), float **byclass)
{
	const struct dataset *ds = ctx->ds;
	size_t i, k, nl = ds->nlabels;
	size_t *start = xcalloc(nl + 1, sizeof *start), *fill;

	for (i = 0; i < ds->nsamples; i++)
		if (keep(&ctx->m[i]) && ds->samples[i].label != LABEL_NONE)
			start[ds->samples[i].label + 1]++;
	for (k = 0; k < nl; k++)
		start[k + 1] += start[k];
	fill = xmalloc((nl + 1) * sizeof *fill);
	memcpy(fill, start, (nl + 1) * sizeof *fill);
	*byclass = xmalloc((start[nl] ? start[nl] : 1) * sizeof **byclass);
	for (i = 0; i < ds->nsamples; i++)
		if (keep(&ctx->m[i]) && ds->samples[i].label != LABEL_NONE)
			(*byclass)[fill[ds->samples[i].label]++] = value(&ctx->m[i]);
	free(fill);
	return start;
}

static const char *
label_of(const struct dataset *ds, size_t i)
{
	return dataset_label_name(ds, ds->samples[i].label);
}

/* ---- per sample: files ---- */

static void
judge_files(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	size_t i;
	for (i = 0; i < ds->nsamples; i++) {
		const struct measure *m = &ctx->m[i];
		enum format ext = ds->samples[i].ext_format, fmt = m->format;
		long s = (long)i;
		switch (m->state) {
		case MEASURE_CANNOT_OPEN:
			findings_add(out, s, NULL, CHECK_UNREADABLE, "cannot read: %s",
			    strerror(m->err));
			break;
		case MEASURE_EMPTY:
			findings_add(out, s, NULL, CHECK_UNREADABLE, "0 bytes, named as %s",
			    format_name(ext));
			break;
		case MEASURE_UNKNOWN_BYTES:
			findings_add(out, s, NULL, CHECK_UNREADABLE,
			    "%s bytes (%llu), named as %s",
			    fmt == FMT_TEXT ? "text" : "no known format",
			    (unsigned long long)m->size, format_name(ext));
			break;
		case MEASURE_NO_FRAMES:
			if (m->declared > 0)
				findings_add(out, s, NULL, CHECK_UNREADABLE,
				    "%s header only: 0 of the %.2f s it declares",
				    format_name(fmt), m->declared);
			else
				findings_add(out, s, NULL, CHECK_UNREADABLE,
				    "%s header with 0 audio frames (%llu bytes)",
				    format_name(fmt), (unsigned long long)m->size);
			break;
		case MEASURE_LFS_POINTER:
			findings_add(out, s, NULL, CHECK_UNREADABLE,
			    "a Git LFS pointer (%llu bytes), not the %s file: "
			    "run 'git lfs pull'", (unsigned long long)m->size,
			    format_name(ext));
			break;
		case MEASURE_CUT_SHORT:
			findings_add(out, s, NULL, CHECK_UNREADABLE,
			    "file cut short: %.2f s of the %.2f s its header declares",
			    m->duration, m->declared);
			break;
		case MEASURE_UNDECODABLE:
			findings_add(out, s, NULL, CHECK_UNREADABLE,
			    "does not decode as %s (%llu bytes)", format_name(fmt),
			    (unsigned long long)m->size);
			break;
		default:
			break;
		}
		if (m->state == MEASURE_NONE || m->state == MEASURE_CANNOT_OPEN)
			continue;
		/* Text where media should be is unreadable, not another format. */
		if (ext != FMT_NONE && fmt != ext && fmt != FMT_EMPTY && fmt != FMT_DATA &&
		    m->state != MEASURE_UNKNOWN_BYTES && m->state != MEASURE_LFS_POINTER)
			findings_add(out, s, NULL, CHECK_EXT_MISMATCH,
			    "%s content, named as %s", format_name(fmt), format_name(ext));
	}
}

/* ---- per sample, against the dataset: audio ---- */

struct audio_norms {
	double peak;            /* median peak of labelled, not silent clips */
	double duration;        /* median duration of labelled clips */
	double *class_duration; /* per label; NAN: too few clips */
	/* Shares of clips within FIXED_LENGTH_TOLERANCE of their class's
	 * median: over the classes with norms, and per label (NAN: too few). */
	double fixed;
	double *class_fixed;
};

/* The share of sorted durations v[0..n) within FIXED_LENGTH_TOLERANCE of
 * their median med. Speech Commands records every word in a 1-s window, so
 * nearly all of a class sits at one length and a shorter clip or a loud
 * edge means the window cut the sound; sound effects and free-length
 * recordings spread, and a short one or a sharp attack is how it was made. */
static double
fixed_share(const float *v, size_t n, double med)
{
	size_t i, near = 0;
	for (i = 0; i < n; i++)
		near += fabs(v[i] - med) <= FIXED_LENGTH_TOLERANCE * med;
	return n ? (double)near / n : 0;
}

static float
duration_of(const struct measure *m)
{
	return m->duration;
}

static void
audio_norms(const struct check_context *ctx, struct audio_norms *n)
{
	const struct dataset *ds = ctx->ds;
	size_t i, k, cnt, nl = ds->nlabels;
	float *v = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *v);
	size_t *start, normed;
	float *byclass;
	double near;

	cnt = 0;
	for (i = 0; i < ds->nsamples; i++)
		if (is_audio(&ctx->m[i]) && ds->samples[i].label != LABEL_NONE &&
		    ctx->m[i].peak_db >= ctx->th->v[TH_SILENT])
			v[cnt++] = ctx->m[i].peak_db;
	n->peak = median(v, cnt);

	start = by_label(ctx, is_audio, duration_of, &byclass);
	memcpy(v, byclass, start[nl] * sizeof *v);
	n->duration = median(v, start[nl]);
	n->class_duration = xmalloc((nl ? nl : 1) * sizeof *n->class_duration);
	n->class_fixed = xmalloc((nl ? nl : 1) * sizeof *n->class_fixed);
	/* A small class is held to the dataset's median, where the classes
	 * that have norms of their own keep to fixed lengths (each its own:
	 * words of 1 s beside sentences of 2 s). */
	near = normed = 0;
	for (k = 0; k < nl; k++) {
		size_t cnt_k = start[k + 1] - start[k];
		n->class_duration[k] = n->class_fixed[k] = NAN;
		if (cnt_k < CLASS_NORM_MIN)
			continue;
		n->class_duration[k] = median(byclass + start[k], cnt_k);
		n->class_fixed[k] = fixed_share(byclass + start[k], cnt_k,
		    n->class_duration[k]);
		near += n->class_fixed[k] * cnt_k;
		normed += cnt_k;
	}
	n->fixed = normed ? near / normed : fixed_share(v, start[nl], n->duration);
	free(byclass);
	free(start);
	free(v);
}

static void
judge_audio(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	const double *th = ctx->th->v;
	struct audio_norms n;
	size_t i;

	audio_norms(ctx, &n);
	for (i = 0; i < ds->nsamples; i++) {
		const struct measure *m = &ctx->m[i];
		unsigned label = ds->samples[i].label;
		long s = (long)i;
		int silent, own;
		double norm, edge;

		if (!is_audio(m))
			continue;
		silent = !(m->peak_db >= th[TH_SILENT]);
		if (silent)
			findings_add(out, s, NULL, CHECK_SILENT, "peak %.1f dBFS < %g dBFS",
			    m->peak_db, th[TH_SILENT]);
		if (m->clipped > 0 && m->clipped >= th[TH_CLIPPED])
			findings_add(out, s, NULL, CHECK_CLIPPED,
			    "%.2f%% of samples in full-scale runs >= %g%%", m->clipped,
			    th[TH_CLIPPED]);
		/* Samples outside any label (background noise) have no norm. */
		if (label == LABEL_NONE)
			continue;
		if (!silent && m->peak_db < n.peak + th[TH_QUIET])
			findings_add(out, s, NULL, CHECK_QUIET,
			    "peak %.1f dBFS < %.1f dBFS (median %.1f dBFS %+g dB)",
			    m->peak_db, n.peak + th[TH_QUIET], n.peak, th[TH_QUIET]);
		own = !isnan(n.class_duration[label]);
		norm = own ? n.class_duration[label] : n.duration;
		if ((own ? n.class_fixed[label] : n.fixed) < th[TH_FIXED])
			continue;
		edge = m->loud_db + th[TH_EDGE];
		if (m->duration < th[TH_TRUNCATED] * norm)
			findings_add(out, s, NULL, CHECK_TRUNCATED,
			    "%.2f s < %.2f s (%g x median %.2f s of %s)", m->duration,
			    th[TH_TRUNCATED] * norm, th[TH_TRUNCATED], norm,
			    own ? label_of(ds, i) : "the dataset");
		else if (!silent && m->loud_db - m->still_db >= EDGE_RANGE_DB &&
		    (m->head_db >= edge || m->tail_db >= edge))
			findings_add(out, s, NULL, CHECK_TRUNCATED,
			    "%s 10 ms at %.1f dBFS >= %.1f dBFS (loudest 10 ms %.1f dBFS %+g dB)",
			    m->head_db >= edge ? "first" : "last",
			    m->head_db >= edge ? m->head_db : m->tail_db, edge, m->loud_db,
			    th[TH_EDGE]);
	}
	free(n.class_duration);
	free(n.class_fixed);
}

/* ---- per sample, against the dataset: images ---- */

static void
judge_images(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	const double *th = ctx->th->v;
	float *v = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *v);
	size_t i, cnt = 0;
	double side;

	for (i = 0; i < ds->nsamples; i++)
		if (is_image(&ctx->m[i]))
			v[cnt++] = (float)(ctx->m[i].width < ctx->m[i].height ?
			    ctx->m[i].width : ctx->m[i].height);
	side = median(v, cnt);
	free(v);
	for (i = 0; i < ds->nsamples; i++) {
		const struct measure *m = &ctx->m[i];
		unsigned short_side = m->width < m->height ? m->width : m->height;
		if (!is_image(m))
			continue;
		if (m->spread < th[TH_BLANK])
			findings_add(out, (long)i, NULL, CHECK_BLANK,
			    "pixel spread %.1f < %g", m->spread, th[TH_BLANK]);
		if (short_side < th[TH_TINY] * side)
			findings_add(out, (long)i, NULL, CHECK_TINY,
			    "%ux%u px: shorter side %u < %.0f px (%g x median %.0f px)",
			    m->width, m->height, short_side, th[TH_TINY] * side,
			    th[TH_TINY], side);
	}
}

/* ---- across samples: identical content ---- */

static int
cmp_content(const void *a, const void *b, void *arg)
{
	const struct measure *m = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (m[i].hash_hi != m[j].hash_hi)
		return m[i].hash_hi < m[j].hash_hi ? -1 : 1;
	if (m[i].hash_lo != m[j].hash_lo)
		return m[i].hash_lo < m[j].hash_lo ? -1 : 1;
	if (m[i].size != m[j].size)
		return m[i].size < m[j].size ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int
same_content(const struct measure *a, const struct measure *b)
{
	return a->hash_hi == b->hash_hi && a->hash_lo == b->hash_lo && a->size == b->size;
}

/* The split most members of a group are in, or SPLIT_NONE when two or
 * more splits tie (then every member is reported). counts has nsplits. */
static unsigned
majority_split(const size_t *counts, size_t nsplits)
{
	size_t k, best = 0, best_n = 0, ties = 0;
	for (k = 1; k < nsplits; k++) {
		if (counts[k] > best_n) {
			best = k;
			best_n = counts[k];
			ties = 0;
		} else if (counts[k] == best_n && best_n > 0) {
			ties++;
		}
	}
	return ties ? SPLIT_NONE : (unsigned)best;
}

static size_t
splits_present(const size_t *counts, size_t nsplits)
{
	size_t k, n = 0;
	for (k = 1; k < nsplits; k++)
		n += counts[k] > 0;
	return n;
}

/* One group of byte-identical samples g[0..n), in path order. */
static void
judge_group(const struct check_context *ctx, const size_t *g, size_t n,
    size_t *split_counts, uint8_t *leaked, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	const struct sample *sm = ds->samples;
	size_t a, b, labels = 0, maj;
	unsigned first_label = LABEL_NONE;

	for (a = 0; a < n; a++) {
		unsigned l = sm[g[a]].label;
		if (l == LABEL_NONE)
			continue;
		if (first_label == LABEL_NONE)
			first_label = l, labels = 1;
		else if (l != first_label)
			labels = 2;
	}
	for (a = 0; a < n; a++) {
		unsigned l = sm[g[a]].label;
		/* duplicate: a copy after the first under the same label, in
		 * the same split (across splits it is a split-leak) */
		for (b = 0; b < a; b++)
			if (sm[g[b]].label == l && sm[g[b]].split == sm[g[a]].split)
				break;
		if (b < a)
			findings_add(out, (long)g[a], NULL, CHECK_DUPLICATE,
			    "same bytes as %s (%zu copies)", sample_path(ds, g[b]), n);
		/* label-conflict: every labelled copy, naming one of another label */
		if (labels > 1 && l != LABEL_NONE) {
			for (b = 0; b < n; b++)
				if (sm[g[b]].label != LABEL_NONE && sm[g[b]].label != l)
					break;
			findings_add(out, (long)g[a], NULL, CHECK_LABEL_CONFLICT,
			    "same bytes as %s, labelled %s (%zu copies)",
			    sample_path(ds, g[b]), label_of(ds, g[b]), n);
		}
	}

	memset(split_counts, 0, ds->nsplits * sizeof *split_counts);
	for (a = 0; a < n; a++)
		split_counts[sm[g[a]].split]++;
	if (splits_present(split_counts, ds->nsplits) < 2)
		return;
	maj = majority_split(split_counts, ds->nsplits);
	for (a = 0; a < n; a++) {
		unsigned sp = sm[g[a]].split;
		if (sp == SPLIT_NONE || sp == maj)
			continue;
		for (b = 0; b < n; b++)
			if (sm[g[b]].split != SPLIT_NONE && sm[g[b]].split != sp)
				break;
		findings_add(out, (long)g[a], NULL, CHECK_SPLIT_LEAK,
		    "same bytes in %s as %s in %s", dataset_split_name(ds, sp),
		    sample_path(ds, g[b]), dataset_split_name(ds, sm[g[b]].split));
		leaked[g[a]] = 1;
	}
}

static void
judge_content(const struct check_context *ctx, uint8_t *leaked, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	size_t *idx = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *idx);
	size_t *split_counts = xcalloc(ds->nsplits ? ds->nsplits : 1, sizeof *split_counts);
	size_t i, j, k, n = 0;

	/* Empty and undecodable files are all "identical" in the ways that
	 * matter least; unreadable says what is wrong with them. */
	for (i = 0; i < ds->nsamples; i++)
		if (ctx->m[i].state == MEASURE_OK && ctx->m[i].size > 0)
			idx[n++] = i;
	qsort_r(idx, n, sizeof *idx, cmp_content, (void *)ctx->m);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && same_content(&ctx->m[idx[i]], &ctx->m[idx[j]]); j++)
			;
		if (j - i > 1)
			judge_group(ctx, idx + i, j - i, split_counts, leaked, out);
		for (k = i + 1; k < j; k++)
			findings_link(out, idx[i], idx[k]);
	}
	free(split_counts);
	free(idx);
}

/* ---- across samples: near copies (neardup.h) ---- */

static int
same_bytes(size_t a, size_t b, void *arg)
{
	const struct measure *m = arg;
	return same_content(&m[a], &m[b]);
}

/* How alike a near pair is, against the threshold. */
static void
describe_near(struct buf *b, const struct near_line *l, const double *th)
{
	if (l->kind == FP_AUDIO)
		buf_addf(b, "waveforms correlate %.3f >= %g", l->score, th[TH_NEAR_AUDIO]);
	else
		buf_addf(b, "%.0f bits apart <= %g", l->score, th[TH_NEAR_IMAGE]);
}

/* Near copies that are not the same bytes. A sample the exact judge has
 * given a label-conflict or split-leak line gets no second one of that
 * check; a near split-leak counts as leaked for the speakers' judge. */
static void
judge_near(const struct check_context *ctx, uint8_t *leaked, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	struct near_set set = { &ctx->m[0].fp, sizeof *ctx->m, ds->nsamples };
	struct near_limits lim = { ctx->th->v[TH_NEAR_AUDIO], ctx->th->v[TH_NEAR_IMAGE] };
	uint8_t *exact = xcalloc(ds->nsamples ? ds->nsamples : 1, 1);
	struct near_pair *pairs;
	struct near_line *lines;
	size_t npairs, nlines, k;
	struct buf b = { 0 };

	if (ds->nsamples == 0) {
		free(exact);
		return;
	}
	for (k = 0; k < out->n; k++)
		if (out->v[k].sample >= 0 && (out->v[k].check == CHECK_LABEL_CONFLICT ||
		    out->v[k].check == CHECK_SPLIT_LEAK))
			exact[out->v[k].sample] |= 1u << (out->v[k].check == CHECK_SPLIT_LEAK);
	pairs = near_find(&set, &lim, 0, &npairs);
	for (k = 0; k < npairs; k++)
		findings_link(out, pairs[k].a, pairs[k].b);
	lines = near_lines(pairs, npairs, &set, ds, same_bytes, (void *)ctx->m, &nlines);
	for (k = 0; k < nlines; k++) {
		const struct near_line *l = &lines[k];
		const char *other = sample_path(ds, l->other);
		b.len = 0;
		describe_near(&b, l, ctx->th->v);
		switch (l->what) {
		case NEAR_DUPLICATE:
			findings_add(out, (long)l->sample, NULL, CHECK_NEAR_DUPLICATE,
			    "near copy of %s (group of %u, %s)", other, l->group, buf_str(&b));
			break;
		case NEAR_LABEL_CONFLICT:
			if (exact[l->sample] & 1)
				break;
			findings_add(out, (long)l->sample, NULL, CHECK_LABEL_CONFLICT,
			    "near copy of %s, labelled %s (group of %u, %s)", other,
			    label_of(ds, l->other), l->group, buf_str(&b));
			break;
		case NEAR_SPLIT_LEAK:
			leaked[l->sample] = 1;
			if (exact[l->sample] & 2)
				break;
			findings_add(out, (long)l->sample, NULL, CHECK_SPLIT_LEAK,
			    "near copy in %s of %s in %s (group of %u, %s)",
			    dataset_split_name(ds, ds->samples[l->sample].split), other,
			    dataset_split_name(ds, ds->samples[l->other].split), l->group,
			    buf_str(&b));
			break;
		}
	}
	buf_free(&b);
	free(lines);
	free(pairs);
	free(exact);
}

/* ---- across samples: Speech Commands speakers ---- */

struct speaker {
	size_t sample;
	const char *id;         /* file name up to "_nohash_" */
	size_t len;
};

static int
cmp_speaker(const void *a, const void *b)
{
	const struct speaker *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->id, y->id, n);
	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

static void
describe_splits(struct buf *b, const struct dataset *ds, const size_t *counts)
{
	size_t k, done = 0, most;
	size_t *order = xmalloc(ds->nsplits * sizeof *order), n = 0;
	/* Largest count first; ties in split order. */
	for (k = 1; k < ds->nsplits; k++)
		if (counts[k] > 0)
			order[n++] = k;
	while (done < n) {
		size_t pick = done;
		most = counts[order[done]];
		for (k = done + 1; k < n; k++)
			if (counts[order[k]] > most)
				most = counts[order[k]], pick = k;
		k = order[pick];
		order[pick] = order[done];
		order[done] = k;
		buf_addf(b, "%s%zu in %s", done ? ", " : "", counts[k],
		    dataset_split_name(ds, (unsigned)k));
		done++;
	}
	free(order);
}

static void
judge_speakers(const struct check_context *ctx, const uint8_t *leaked, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	struct speaker *sp = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *sp);
	size_t *counts = xcalloc(ds->nsplits ? ds->nsplits : 1, sizeof *counts);
	size_t i, j, k, n = 0;
	struct buf b = { 0 };

	for (i = 0; i < ds->nsamples; i++) {
		const char *path = sample_path(ds, i), *base = strrchr(path, '/'), *h;
		base = base ? base + 1 : path;
		if (ds->samples[i].split == SPLIT_NONE ||
		    (h = strstr(base, "_nohash_")) == NULL || h == base)
			continue;
		sp[n].sample = i;
		sp[n].id = base;
		sp[n].len = (size_t)(h - base);
		n++;
	}
	qsort(sp, n, sizeof *sp, cmp_speaker);
	for (i = 0; i < n; i = j) {
		unsigned maj;
		for (j = i + 1; j < n && sp[j].len == sp[i].len &&
		    memcmp(sp[j].id, sp[i].id, sp[i].len) == 0; j++)
			;
		memset(counts, 0, ds->nsplits * sizeof *counts);
		for (k = i; k < j; k++)
			counts[ds->samples[sp[k].sample].split]++;
		if (splits_present(counts, ds->nsplits) < 2)
			continue;
		maj = majority_split(counts, ds->nsplits);
		b.len = 0;
		describe_splits(&b, ds, counts);
		for (k = i; k < j; k++) {
			size_t s = sp[k].sample;
			if (ds->samples[s].split == maj || leaked[s])
				continue;
			findings_add(out, (long)s, NULL, CHECK_SPLIT_LEAK,
			    "speaker %.*s in %s: %s", (int)sp[k].len, sp[k].id,
			    dataset_split_name(ds, ds->samples[s].split), buf_str(&b));
		}
	}
	buf_free(&b);
	free(counts);
	free(sp);
}

/* ---- the dataset: class balance ---- */

static void
judge_imbalance(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	size_t *count = xcalloc(ds->nlabels ? ds->nlabels : 1, sizeof *count);
	size_t i, big = 0, small = 0, classes = 0;

	for (i = 0; i < ds->nsamples; i++)
		if (ds->samples[i].label != LABEL_NONE)
			count[ds->samples[i].label]++;
	for (i = 0; i < ds->nlabels; i++) {
		if (count[i] == 0)
			continue;
		if (classes++ == 0 || count[i] > count[big])
			big = i;
		if (classes == 1 || count[i] < count[small])
			small = i;
	}
	if (classes >= 2 && (double)count[big] / count[small] > ctx->th->v[TH_IMBALANCE])
		findings_add(out, -1, ".", CHECK_IMBALANCE,
		    "largest class %s has %zu samples, smallest %s %zu: ratio %.1f > %g",
		    ds->labels[big], count[big], ds->labels[small], count[small],
		    (double)count[big] / count[small], ctx->th->v[TH_IMBALANCE]);
	free(count);
}

/* ---- predictions: suspect labels (predictions.h, confident learning) ---- */

static int
judge_suspects(const struct check_context *ctx, struct findings *out, char **cause)
{
	struct annotations a = { .n = ctx->ds->nsamples };
	struct predictions *p;
	struct suspect *sus;
	struct buf b = { 0 };
	size_t n, k;

	if ((p = predictions_load(ctx->predictions, ctx->ds, cause)) == NULL)
		return -1;
	if (ctx->problems != NULL)
		for (k = 0; k < p->nproblems; k++)
			fprintf(ctx->problems, "%s: %s: %s\n", progname, ctx->predictions,
			    p->problems[k].message);
	predictions_annotate(p, ctx->ds, &a);
	sus = suspects_find(p, ctx->ds, NULL, &n);
	for (k = 0; k < n; k++) {
		b.len = 0;
		suspect_detail(&sus[k], ctx->ds, &b);
		findings_add(out, (long)sus[k].sample, NULL, CHECK_SUSPECT_LABEL, "%s",
		    buf_str(&b));
	}
	buf_free(&b);
	free(sus);
	annotations_free(&a);
	predictions_free(p);
	return 0;
}

int
checks_judge(const struct check_context *ctx, struct findings *out, char **cause)
{
	uint8_t *leaked = xcalloc(ctx->ds->nsamples ? ctx->ds->nsamples : 1, 1);
	judge_files(ctx, out);
	judge_audio(ctx, out);
	judge_images(ctx, out);
	judge_content(ctx, leaked, out);
	judge_near(ctx, leaked, out);
	judge_speakers(ctx, leaked, out);
	judge_imbalance(ctx, out);
	free(leaked);
	/* Last: predictions may add the labels only the model knows. */
	if (ctx->predictions != NULL)
		return judge_suspects(ctx, out, cause);
	return 0;
}
