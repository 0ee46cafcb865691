/* check-measure.c — one sample's bytes read once: hashed, sniffed, and
 * decoded from memory into the few numbers the checks judge. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "audio.h"
#include "checks.h"
#include "fingerprint.h"
#include "image.h"
#include "util.h"

/* ---- audio ---- */

/* WADA-SNR (Kim and Stern, "Robust signal-to-noise ratio estimation based
 * on waveform amplitude distribution analysis", Interspeech 2008): speech
 * amplitudes follow a gamma distribution of shape 0.4, noise a Gaussian,
 * and ln(mean |x|) - mean(ln |x|) of their sum grows with the SNR. Its
 * values from -20 dB, every 2 dB (Monte Carlo, 8 million samples a point):
 * pure Gaussian noise gives 0.409, clean speech ever more up to 1.645. */
static const float wada_g[] = {
	0.4093f, 0.4094f, 0.4095f, 0.4099f, 0.4105f, 0.4120f, 0.4148f, 0.4199f,
	0.4286f, 0.4418f, 0.4619f, 0.4885f, 0.5232f, 0.5653f, 0.6139f, 0.6673f,
	0.7242f, 0.7828f, 0.8416f, 0.8998f, 0.9559f, 1.0098f, 1.0608f, 1.1084f,
	1.1529f, 1.1942f, 1.2324f, 1.2678f, 1.3003f, 1.3301f, 1.3574f, 1.3824f,
	1.4055f, 1.4265f, 1.4457f, 1.4632f,
};
#define WADA_FIRST_DB -20.0
#define WADA_STEP_DB 2.0

static float
wada_snr(double g)
{
	size_t k, n = ARRAY_SIZE(wada_g);
	if (isnan(g))
		return NAN;
	if (g <= wada_g[0])
		return (float)WADA_FIRST_DB;
	for (k = 1; k < n; k++)
		if (g < wada_g[k])
			return (float)(WADA_FIRST_DB + WADA_STEP_DB * ((double)k - 1 +
			    (g - wada_g[k - 1]) / (wada_g[k] - wada_g[k - 1])));
	return (float)(WADA_FIRST_DB + WADA_STEP_DB * (double)(n - 1));
}

static void
measure_audio(const void *bytes, size_t len, struct measure *m)
{
	struct audio_stats st;
	struct fp_audio *fp = fp_audio_new();
	enum audio_fault fault = audio_measure_mem_tap(bytes, len, &st, fp_audio_feed, fp);

	/* Only a whole clip has a fingerprint: a part would be a near copy
	 * of the whole. */
	if (fault == AUDIO_FAULT_NONE)
		fp_audio_finish(fp, &m->fp);
	else
		fp_audio_discard(fp);
	if (fault == AUDIO_FAULT_UNDECODABLE) {
		m->state = MEASURE_UNDECODABLE;
		return;
	}
	m->duration = (float)st.duration;
	m->rate = st.rate;
	m->channels = (uint16_t)(st.channels < UINT16_MAX ? st.channels : UINT16_MAX);
	m->encoding = (uint16_t)st.encoding;
	if (fault != AUDIO_FAULT_NONE) {
		m->state = fault == AUDIO_FAULT_NO_FRAMES ? MEASURE_NO_FRAMES : MEASURE_CUT_SHORT;
		m->declared = (float)((double)st.declared / st.rate);
		return;
	}
	m->peak_db = st.peak_db;
	m->rms_db = st.rms_db;
	m->head_db = st.head_db;
	m->tail_db = st.tail_db;
	m->loud_db = st.loud_db;
	m->still_db = st.still_db;
	m->clipped = (float)(100.0 * (double)st.clipped / ((double)st.frames * st.channels));
	m->dc = (float)st.dc;
	m->dc_wander = (float)st.dc_wander;
	m->snr_db = wada_snr(st.abs_log_gap);
	m->state = MEASURE_OK;
}

/* ---- images ---- */

/* The value below which a share `part` of a 256-bin histogram of n lies. */
static float
percentile(const uint32_t *hist, size_t n, double part)
{
	size_t want = (size_t)(part * (double)n), seen = 0;
	int v;
	for (v = 0; v < 255; v++)
		if ((seen += hist[v]) > want)
			break;
	return (float)v;
}

/* Luma, colour, entropy and sharpness of the thumbnail. Transparent
 * pixels are seen over mid-grey, as a viewer's checkerboard averages. */
static void
measure_pixels(const struct image *img, struct measure *m)
{
	size_t n = (size_t)img->width * (size_t)img->height, i;
	uint32_t luma_hist[256] = { 0 }, chroma_hist[256] = { 0 };
	float *y = xmalloc(n * sizeof *y);
	double sum = 0, sq = 0, lsum = 0, lsq = 0, bits = 0, var, lvar;
	int w = img->width, h = img->height, r, c, v;

	for (i = 0; i < n; i++) {
		const uint8_t *p = img->rgba + i * 4;
		float a = p[3] / 255.0f, rgb[3];
		int hi, lo;
		for (c = 0; c < 3; c++)
			rgb[c] = p[c] * a + 128.0f * (1 - a);
		y[i] = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
		hi = (int)lroundf(fmaxf(fmaxf(rgb[0], rgb[1]), rgb[2]));
		lo = (int)lroundf(fminf(fminf(rgb[0], rgb[1]), rgb[2]));
		v = (int)lroundf(y[i]);
		luma_hist[v < 0 ? 0 : v > 255 ? 255 : v]++;
		chroma_hist[hi - lo]++;
	}
	m->luma_lo = percentile(luma_hist, n, 0.01);
	m->luma_hi = percentile(luma_hist, n, 0.99);
	m->chroma = percentile(chroma_hist, n, 0.99);
	for (v = 0; v < 256; v++)
		if (luma_hist[v] > 0) {
			double p = (double)luma_hist[v] / (double)n;
			bits -= p * log2(p);
		}
	m->entropy = (float)bits;
	/* The 4-neighbour Laplacian, against the luma's own spread (a dim or
	 * low-contrast picture is not blurry for that alone), on the thumbnail
	 * halved again: 2x2 averages, where JPEG's blocks and noise, which
	 * read as detail, are mostly gone and a blur is not. */
	w /= 2;
	h /= 2;
	/* In place: an average lands at or before the pixels it is made of,
	 * never on one still to be read. */
	for (r = 0; r < h; r++)
		for (c = 0; c < w; c++) {
			const float *q = y + (size_t)(2 * r) * img->width + 2 * c;
			float a = (q[0] + q[1] + q[img->width] + q[img->width + 1]) / 4;
			y[(size_t)r * w + c] = a;
			sum += a;
			sq += (double)a * a;
		}
	n = (size_t)w * (size_t)h;
	var = n ? sq / (double)n - (sum / (double)n) * (sum / (double)n) : 0;
	if (w >= 3 && h >= 3 && var >= 1) {
		size_t cnt = (size_t)(w - 2) * (size_t)(h - 2);
		for (r = 1; r < h - 1; r++)
			for (c = 1; c < w - 1; c++) {
				const float *q = y + (size_t)r * w + c;
				double l = (double)q[-1] + q[1] + q[-w] + q[w] - 4.0 * q[0];
				lsum += l;
				lsq += l * l;
			}
		lvar = lsq / (double)cnt - (lsum / (double)cnt) * (lsum / (double)cnt);
		m->sharpness = (float)sqrt((lvar > 0 ? lvar : 0) / var);
	}
	free(y);
}

static void
measure_image(const void *bytes, size_t len, struct measure *m)
{
	struct image_probe probe;
	struct image thumb;
	if (image_probe_thumb_mem(bytes, len, NULL, &probe, &thumb, NULL) != 0) {
		m->state = MEASURE_UNDECODABLE;
		return;
	}
	m->width = (uint32_t)probe.width;
	m->height = (uint32_t)probe.height;
	m->spread = (float)probe.flatness;
	m->fp = probe.fingerprint;
	if (thumb.width > 0 && thumb.height > 0)
		measure_pixels(&thumb, m);
	image_clear(&thumb);
	m->state = MEASURE_OK;
}

/* ---- one sample ---- */

/* A dataset cloned without `git lfs pull` holds these instead of media. */
#define LFS_POINTER "version https://git-lfs.github.com/spec/"

static void
measure_clear(struct measure *m)
{
	memset(m, 0, sizeof *m);
	m->duration = m->peak_db = m->rms_db = NAN;
	m->loud_db = m->still_db = m->head_db = m->tail_db = NAN;
	m->clipped = m->spread = m->declared = NAN;
	m->dc = m->dc_wander = m->snr_db = NAN;
	m->luma_lo = m->luma_hi = m->sharpness = m->chroma = m->entropy = NAN;
}

void
measure_bytes(const void *bytes, size_t len, enum format ext_format, struct measure *m)
{
	XXH128_hash_t h = XXH3_128bits(bytes, len);
	enum format fmt = format_from_magic(bytes, len < SNIFF_BYTES ? len : SNIFF_BYTES);
	enum kind ext_kind = format_kind(ext_format), kind = format_kind(fmt);
	int ext_media = ext_kind == KIND_AUDIO || ext_kind == KIND_IMAGE;

	measure_clear(m);
	m->hash_lo = h.low64;
	m->hash_hi = h.high64;
	m->size = len;
	m->format = (uint8_t)fmt;
	if (kind == KIND_AUDIO)
		measure_audio(bytes, len, m);
	else if (kind == KIND_IMAGE)
		measure_image(bytes, len, m);
	else if (fmt == FMT_EMPTY && ext_media)
		m->state = MEASURE_EMPTY;
	else if (ext_media && len >= sizeof LFS_POINTER - 1 &&
	    memcmp(bytes, LFS_POINTER, sizeof LFS_POINTER - 1) == 0)
		m->state = MEASURE_LFS_POINTER;
	else if (ext_media)
		m->state = MEASURE_UNKNOWN_BYTES;
	else
		m->state = MEASURE_OK;
}

/* Files from this size on are mapped instead of read. */
#define MAP_BYTES ((off_t)64 << 20)

/* Read the whole file into *scratch (grown as needed). Returns 0, or an
 * errno value. */
static int
read_all(int fd, struct buf *scratch, size_t hint)
{
	ssize_t n;
	scratch->len = 0;
	for (;;) {
		if (scratch->cap - scratch->len < 4096 || scratch->cap < hint + 1)
			scratch->data = xgrow(scratch->data, &scratch->cap,
			    (hint + 1 > scratch->len + 65536 ? hint + 1 : scratch->len + 65536), 1);
		n = read(fd, scratch->data + scratch->len, scratch->cap - scratch->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		scratch->len += (size_t)n;
	}
}

void
measure_sample(const struct dataset *ds, size_t i, struct measure *m,
    struct buf *scratch)
{
	struct stat st;
	int fd, err;
	int64_t mtime;
	void *map;

	fd = openat(ds->rootfd, sample_path(ds, i), O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		measure_clear(m);
		m->state = MEASURE_CANNOT_OPEN;
		m->err = (int16_t)err;
		return;
	}
	mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	/* A long recording is mapped rather than copied, so that a few
	 * threads over hour-long files do not hold gigabytes. */
	if (S_ISREG(st.st_mode) && st.st_size >= MAP_BYTES &&
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) != MAP_FAILED) {
		close(fd);
		measure_bytes(map, (size_t)st.st_size, ds->samples[i].ext_format, m);
		munmap(map, (size_t)st.st_size);
		m->mtime_ns = mtime;
		return;
	}
	err = read_all(fd, scratch, (size_t)st.st_size);
	close(fd);
	if (err != 0) {
		measure_clear(m);
		m->state = MEASURE_CANNOT_OPEN;
		m->err = (int16_t)err;
	} else {
		measure_bytes(scratch->data, scratch->len, ds->samples[i].ext_format, m);
	}
	m->mtime_ns = mtime;
	if (m->state == MEASURE_CANNOT_OPEN)
		m->size = (uint64_t)st.st_size;
}
