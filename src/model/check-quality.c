/* check-quality.c — the judges of how a clip or a picture was made:
 * format-mismatch, dc-offset, noisy; dark, bright, blurry, grayscale,
 * odd-aspect, low-information. Each holds a sample to the dataset's own
 * (or its class's) where the dataset has a look of its own, so that night
 * skies, scanned pages or music are not faults for being what they are. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "checks.h"
#include "util.h"

/* A noisy clip's SNR is also this far below the dataset's median: in a
 * dataset of dense material (music, crowds) WADA's speech model reads low
 * everywhere, and only a clip far below its peers is noisy there. */
#define NOISY_MARGIN_DB 15.0
/* WADA reads a steady tone (a sine's amplitudes are more even than noise's)
 * as noise; its peak is within a few dB of its RMS, where noise's stands
 * 12 dB above over a second and speech's more. */
#define TONE_CREST_DB 9.0
/* An offset this many times the windows' wander from it is steady: a DC
 * offset, not the drift of low tones. */
#define DC_STEADY 3.0
/* Pictures smaller than this a side are too few pixels to judge sharpness
 * or information by (`tiny` speaks of them). */
#define QUALITY_MIN_SIDE 16

/* ---- audio: format-mismatch ---- */

enum format_attr { ATTR_RATE, ATTR_CHANNELS, ATTR_ENCODING, ATTR_COUNT };

static uint32_t
attr_value(const struct measure *m, enum format_attr a)
{
	switch (a) {
	case ATTR_RATE: return m->rate;
	case ATTR_CHANNELS: return m->channels;
	default: return m->encoding;
	}
}

static void
describe_attr(struct buf *b, enum format_attr a, uint32_t v)
{
	switch (a) {
	case ATTR_RATE:
		buf_addf(b, "%u Hz", (unsigned)v);
		break;
	case ATTR_CHANNELS:
		buf_addf(b, "%u channel%s", (unsigned)v, v == 1 ? "" : "s");
		break;
	default:
		buf_adds(b, audio_encoding_name(v));
		break;
	}
}

/* The most common value among a group and its share. */
struct norm {
	uint32_t value;
	double share;
	size_t n;
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The most common of v[0..n) (sorted in place); the smaller value wins a tie. */
static struct norm
most_common(uint32_t *v, size_t n)
{
	struct norm best = { 0, 0, n };
	size_t i, j, most = 0;
	qsort(v, n, sizeof *v, cmp_u32);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		if (j - i > most) {
			most = j - i;
			best.value = v[i];
		}
	}
	best.share = n ? (double)most / (double)n : 0;
	return best;
}

static void
judge_formats(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	double share = ctx->th->v[TH_FORMAT_SHARE];
	size_t nl = ds->nlabels, i, k, n = 0;
	size_t *start = xcalloc(nl + 2, sizeof *start), *fill;
	uint32_t *v = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *v);
	uint32_t *byclass = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *byclass);
	struct norm (*norms)[ATTR_COUNT] = xcalloc(nl + 1, sizeof *norms);
	struct norm all[ATTR_COUNT];
	struct buf b = { 0 };
	int a;

	/* Clips grouped by label (the unlabelled last): counting sort. */
	for (i = 0; i < ds->nsamples; i++)
		if (is_audio(&ctx->m[i]))
			start[(ds->samples[i].label == LABEL_NONE ? nl : ds->samples[i].label) + 1]++;
	for (k = 0; k <= nl; k++)
		start[k + 1] += start[k];
	fill = xmalloc((nl + 1) * sizeof *fill);
	for (a = 0; a < ATTR_COUNT; a++) {
		memcpy(fill, start, (nl + 1) * sizeof *fill);
		for (i = n = 0; i < ds->nsamples; i++) {
			unsigned l = ds->samples[i].label;
			if (!is_audio(&ctx->m[i]))
				continue;
			v[n++] = byclass[fill[l == LABEL_NONE ? nl : l]++] =
			    attr_value(&ctx->m[i], (enum format_attr)a);
		}
		all[a] = most_common(v, n);
		for (k = 0; k < nl; k++)
			norms[k][a] = most_common(byclass + start[k], start[k + 1] - start[k]);
	}
	for (i = 0; i < ds->nsamples; i++) {
		const struct measure *m = &ctx->m[i];
		unsigned l = ds->samples[i].label;
		size_t parts = 0;
		if (!is_audio(m))
			continue;
		b.len = 0;
		for (a = 0; a < ATTR_COUNT; a++) {
			/* A class of its own size is held to its own format; a
			 * class too small, or of mixed formats, to the dataset's. */
			const struct norm *ref = &all[a];
			if (l != LABEL_NONE && norms[l][a].n >= CLASS_NORM_MIN &&
			    norms[l][a].share >= share)
				ref = &norms[l][a];
			if (ref->share < share || attr_value(m, (enum format_attr)a) == ref->value)
				continue;
			buf_adds(&b, parts++ ? ", " : "");
			describe_attr(&b, (enum format_attr)a, attr_value(m, (enum format_attr)a));
			buf_addf(&b, " where %.0f%% of %s's audio is ", 100 * ref->share,
			    ref == &all[a] ? "the dataset" : dataset_label_name(ds, l));
			describe_attr(&b, (enum format_attr)a, ref->value);
		}
		if (parts > 0)
			findings_add(out, (long)i, NULL, CHECK_FORMAT_MISMATCH, "%s", buf_str(&b));
	}
	buf_free(&b);
	free(norms);
	free(fill);
	free(byclass);
	free(v);
	free(start);
}

/* ---- audio: dc-offset, noisy ---- */

static void
judge_signal(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	const double *th = ctx->th->v;
	float *v = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *v);
	size_t i, n = 0;
	double med, line;

	/* Silent clips have no foreground to measure; noise outside any label
	 * (Speech Commands' _background_noise_) is meant to be noise. */
	for (i = 0; i < ds->nsamples; i++)
		if (is_audio(&ctx->m[i]) && ds->samples[i].label != LABEL_NONE &&
		    ctx->m[i].peak_db >= th[TH_SILENT] &&
		    ctx->m[i].peak_db - ctx->m[i].rms_db >= TONE_CREST_DB &&
		    isfinite(ctx->m[i].snr_db))
			v[n++] = ctx->m[i].snr_db;
	med = median(v, n);
	line = !isnan(med) && med - NOISY_MARGIN_DB < th[TH_NOISY] ?
	    med - NOISY_MARGIN_DB : th[TH_NOISY];
	free(v);
	for (i = 0; i < ds->nsamples; i++) {
		const struct measure *m = &ctx->m[i];
		float dc_db;
		int offset;
		if (!is_audio(m))
			continue;
		dc_db = audio_db(fabsf(m->dc));
		offset = dc_db >= th[TH_DC_OFFSET] && fabsf(m->dc) >= DC_STEADY * m->dc_wander;
		if (offset)
			findings_add(out, (long)i, NULL, CHECK_DC_OFFSET,
			    "mean sample %+.4f (%.1f dBFS) >= %g dBFS", m->dc, dc_db,
			    th[TH_DC_OFFSET]);
		/* An offset's constant amplitude reads as noise to WADA. */
		if (offset || ds->samples[i].label == LABEL_NONE || !(m->peak_db >= th[TH_SILENT]) ||
		    m->peak_db - m->rms_db < TONE_CREST_DB || !(m->snr_db < line))
			continue;
		if (line < th[TH_NOISY])
			findings_add(out, (long)i, NULL, CHECK_NOISY,
			    "estimated SNR %.1f dB < %.1f dB (median %.1f dB - %g dB)",
			    m->snr_db, line, med, NOISY_MARGIN_DB);
		else
			findings_add(out, (long)i, NULL, CHECK_NOISY,
			    "estimated SNR %.1f dB < %g dB", m->snr_db, line);
	}
}

/* ---- images ---- */

/* Judged for its look: decoded, not one flat colour (that is `blank`). */
static int
is_picture(const struct measure *m, const double *th)
{
	return is_image(m) && m->spread >= th[TH_BLANK] && !isnan(m->luma_lo);
}

static int
big_enough(const struct measure *m)
{
	return m->width >= QUALITY_MIN_SIDE && m->height >= QUALITY_MIN_SIDE;
}

struct image_norms {
	double luma_hi, luma_lo, sharpness, entropy;
	double colour;          /* share of pictures with colour */
	double aspect;          /* median ln(width/height) of the dataset */
	double *class_aspect;   /* per label; NAN: too few pictures */
};

/* ln(width/height): its median is the aspect ratio's, and a picture as
 * much too tall as another is too wide is as far from it. */
static float
log_aspect(const struct measure *m)
{
	return (float)log((double)m->width / (double)m->height);
}

static void
image_norms(const struct check_context *ctx, struct image_norms *no)
{
	const struct dataset *ds = ctx->ds;
	const double *th = ctx->th->v;
	size_t i, k, n, colour = 0, nl = ds->nlabels;
	float *v = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *v);
	size_t *start;
	float *byclass;

	for (i = n = 0; i < ds->nsamples; i++)
		if (is_picture(&ctx->m[i], th))
			v[n++] = ctx->m[i].luma_hi;
	no->luma_hi = median(v, n);
	for (i = n = 0; i < ds->nsamples; i++)
		if (is_picture(&ctx->m[i], th)) {
			v[n++] = ctx->m[i].luma_lo;
			colour += ctx->m[i].chroma >= th[TH_GRAYSCALE];
		}
	no->luma_lo = median(v, n);
	no->colour = n ? (double)colour / (double)n : 0;
	for (i = n = 0; i < ds->nsamples; i++)
		if (is_picture(&ctx->m[i], th) && big_enough(&ctx->m[i]) &&
		    !isnan(ctx->m[i].sharpness))
			v[n++] = ctx->m[i].sharpness;
	no->sharpness = median(v, n);
	for (i = n = 0; i < ds->nsamples; i++)
		if (is_picture(&ctx->m[i], th) && big_enough(&ctx->m[i]))
			v[n++] = ctx->m[i].entropy;
	no->entropy = median(v, n);

	for (i = n = 0; i < ds->nsamples; i++)
		if (is_image(&ctx->m[i]))
			v[n++] = log_aspect(&ctx->m[i]);
	no->aspect = median(v, n);
	start = by_label(ctx, is_image, log_aspect, &byclass);
	no->class_aspect = xmalloc((nl ? nl : 1) * sizeof *no->class_aspect);
	for (k = 0; k < nl; k++)
		no->class_aspect[k] = start[k + 1] - start[k] >= CLASS_NORM_MIN ?
		    median(byclass + start[k], start[k + 1] - start[k]) : NAN;
	free(byclass);
	free(start);
	free(v);
}

static void
judge_light(const struct measure *m, long s, const struct image_norms *no,
    const double *th, struct findings *out)
{
	double dark = th[TH_DARK] * 255, bright = th[TH_BRIGHT] * 255;

	if (no->luma_hi / 2 < dark) {
		if (m->luma_hi < no->luma_hi / 2)
			findings_add(out, s, NULL, CHECK_DARK,
			    "99%% of pixels at luma %.0f or below < %.0f (half the median "
			    "%.0f)", m->luma_hi, no->luma_hi / 2, no->luma_hi);
	} else if (m->luma_hi < dark) {
		findings_add(out, s, NULL, CHECK_DARK,
		    "99%% of pixels at luma %.0f or below < %.0f (%g of 255)",
		    m->luma_hi, dark, th[TH_DARK]);
	}
	if ((255 + no->luma_lo) / 2 > bright) {
		if (m->luma_lo > (255 + no->luma_lo) / 2)
			findings_add(out, s, NULL, CHECK_BRIGHT,
			    "99%% of pixels at luma %.0f or above > %.0f (halfway from "
			    "the median %.0f to white)", m->luma_lo, (255 + no->luma_lo) / 2,
			    no->luma_lo);
	} else if (m->luma_lo > bright) {
		findings_add(out, s, NULL, CHECK_BRIGHT,
		    "99%% of pixels at luma %.0f or above > %.0f (%g of 255)",
		    m->luma_lo, bright, th[TH_BRIGHT]);
	}
}

static void
judge_pictures(const struct check_context *ctx, struct findings *out)
{
	const struct dataset *ds = ctx->ds;
	const double *th = ctx->th->v;
	struct image_norms no;
	size_t i;

	image_norms(ctx, &no);
	for (i = 0; i < ds->nsamples; i++) {
		const struct measure *m = &ctx->m[i];
		unsigned l = ds->samples[i].label;
		long s = (long)i;
		double ref, ratio, line;
		int own;

		if (!is_image(m))
			continue;
		own = l != LABEL_NONE && !isnan(no.class_aspect[l]);
		ref = own ? no.class_aspect[l] : no.aspect;
		ratio = exp(fabs(log_aspect(m) - ref));
		if (ratio > th[TH_ODD_ASPECT])
			findings_add(out, s, NULL, CHECK_ODD_ASPECT,
			    "%ux%u px: width/height %.2f is %.1f x %s the median %.2f of %s "
			    "(> %g x)", m->width, m->height, (double)m->width / m->height,
			    ratio, log_aspect(m) > ref ? "wider than" : "taller than",
			    exp(ref), own ? dataset_label_name(ds, l) : "the dataset",
			    th[TH_ODD_ASPECT]);
		if (!is_picture(m, th))
			continue;
		judge_light(m, s, &no, th, out);
		if (no.colour >= th[TH_COLOUR_SHARE] && m->chroma < th[TH_GRAYSCALE])
			findings_add(out, s, NULL, CHECK_GRAYSCALE,
			    "no colour: 99%% of pixels within %.0f of grey (< %g), where "
			    "%.0f%% of the images have colour", m->chroma, th[TH_GRAYSCALE],
			    100 * no.colour);
		if (!big_enough(m))
			continue;
		if (m->sharpness < th[TH_BLURRY] * no.sharpness)
			findings_add(out, s, NULL, CHECK_BLURRY,
			    "sharpness %.3f < %.3f (%g x median %.3f)", m->sharpness,
			    th[TH_BLURRY] * no.sharpness, th[TH_BLURRY], no.sharpness);
		line = no.entropy / 2 < th[TH_LOW_INFORMATION] ? no.entropy / 2 :
		    th[TH_LOW_INFORMATION];
		if (m->entropy < line) {
			if (line < th[TH_LOW_INFORMATION])
				findings_add(out, s, NULL, CHECK_LOW_INFORMATION,
				    "luma entropy %.2f bits < %.2f bits (half the median "
				    "%.2f bits)", m->entropy, line, no.entropy);
			else
				findings_add(out, s, NULL, CHECK_LOW_INFORMATION,
				    "luma entropy %.2f bits < %g bits", m->entropy, line);
		}
	}
	free(no.class_aspect);
}

void
judge_quality(const struct check_context *ctx, struct findings *out)
{
	judge_formats(ctx, out);
	judge_signal(ctx, out);
	judge_pictures(ctx, out);
}
