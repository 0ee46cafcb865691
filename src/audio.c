/* audio.c — decode clips with libsndfile and measure them in one pass. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <sndfile.h>

#include "audio.h"
#include "util.h"

/* |x| is summed in fixed point so that the sliding window's sum is exact:
 * a window's sum never depends on the order samples entered and left it,
 * and equal windows compare equal. 2^24 keeps every 16- and 24-bit sample
 * exact; a clamp keeps hostile float files from overflowing. */
#define ABS_SCALE 16777216.0f
#define ABS_MAX 1024.0f

/* Everything measured while the samples stream past. */
struct meter {
	unsigned channels, rate, min_run;
	float clip_level;
	uint64_t frames;
	float peak;
	double sum_sq;

	unsigned *run;          /* per channel: length of the current clipped run */
	unsigned char *run_positive; /* per channel: the run's sign */
	unsigned clip_runs;
	uint64_t clipped;

	float *ring;            /* the last `window` samples of the mono mix */
	size_t window, edge;
	size_t slot;            /* where the next one goes */
	int full;               /* the ring holds a whole window */
	int64_t abs_sum;        /* sum of fixed-point |x| over the ring */
	double sq_sum;          /* sum of x² over the ring */
	int64_t best_abs;
	double best_sq;
	uint64_t best_start;
	double head_sq;         /* sum of x² over the first `edge` samples */
};

static inline int64_t
fixed_abs(float x)
{
	float a = fabsf(x);
	return (int64_t)((a < ABS_MAX ? a : ABS_MAX) * ABS_SCALE + 0.5f);
}

float
audio_db(float level)
{
	return level > 0 ? 20.0f * log10f(level) : -INFINITY;
}

static void
meter_init(struct meter *m, unsigned channels, unsigned rate, unsigned min_run,
    float clip_level)
{
	memset(m, 0, sizeof *m);
	m->channels = channels;
	m->rate = rate;
	m->min_run = min_run ? min_run : AUDIO_CLIP_RUN;
	m->clip_level = clip_level;
	m->run = xcalloc(channels, sizeof *m->run);
	m->run_positive = xcalloc(channels, 1);
	m->window = (size_t)(rate * AUDIO_LOUDEST_SECONDS);
	if (m->window == 0)
		m->window = 1;
	m->edge = (size_t)(rate * AUDIO_EDGE_SECONDS);
	if (m->edge == 0)
		m->edge = 1;
	m->ring = xmalloc(m->window * sizeof *m->ring);
	m->best_abs = -1;
}

static void
meter_free(struct meter *m)
{
	free(m->run);
	free(m->run_positive);
	free(m->ring);
}

/* Feed n frames; when mono is not NULL the mono mix is stored there too. */
static void
meter_feed(struct meter *m, const float *x, size_t n, float *mono)
{
	unsigned c, nc = m->channels;
	size_t i;
	float s, a, mix, old;

	for (i = 0; i < n; i++, x += nc) {
		mix = 0;
		for (c = 0; c < nc; c++) {
			s = x[c];
			a = fabsf(s);
			mix += s;
			m->sum_sq += (double)s * s;
			if (a > m->peak)
				m->peak = a;
			if (a >= m->clip_level) {
				/* A jump from one rail to the other starts a
				 * new run: a run is one flattened peak. */
				if (m->run[c] > 0 && (s > 0) != m->run_positive[c])
					m->run[c] = 0;
				m->run_positive[c] = s > 0;
				if (++m->run[c] == m->min_run) {
					m->clip_runs++;
					m->clipped += m->min_run;
				} else if (m->run[c] > m->min_run)
					m->clipped++;
			} else
				m->run[c] = 0;
		}
		if (nc > 1)
			mix /= (float)nc;
		if (mono != NULL)
			mono[i] = mix;

		if (m->frames < m->edge)
			m->head_sq += (double)mix * mix;
		if (m->full) {
			old = m->ring[m->slot];
			m->abs_sum -= fixed_abs(old);
			m->sq_sum -= (double)old * old;
		}
		m->ring[m->slot] = mix;
		m->abs_sum += fixed_abs(mix);
		m->sq_sum += (double)mix * mix;
		if (++m->slot == m->window) {
			m->slot = 0;
			m->full = 1;
		}
		m->frames++;
		/* Strictly greater: the earliest of equally loud windows wins. */
		if (m->full && m->abs_sum > m->best_abs) {
			m->best_abs = m->abs_sum;
			m->best_sq = m->sq_sum;
			m->best_start = m->frames - m->window;
		}
	}
}

static void
meter_finish(struct meter *m, struct audio_stats *st)
{
	uint64_t samples = m->frames * m->channels, len;
	size_t i, e;
	double tail = 0, sq;

	st->frames = m->frames;
	st->rate = m->rate;
	st->channels = m->channels;
	st->duration = (double)m->frames / m->rate;
	st->peak = m->peak;
	st->rms = samples ? (float)sqrt(m->sum_sq / samples) : 0;
	st->peak_db = audio_db(st->peak);
	st->rms_db = audio_db(st->rms);

	if (m->frames < m->window) {
		st->loudest_start = 0;
		len = m->frames;
		sq = m->sq_sum;
	} else {
		st->loudest_start = m->best_start;
		len = m->window;
		sq = m->best_sq;
	}
	st->loudest_frames = len;
	/* The running sum of squares may drift a hair below zero. */
	st->loudest_rms_db = len && sq > 0 ? audio_db((float)sqrt(sq / len)) : -INFINITY;

	e = m->frames < m->edge ? m->frames : m->edge;
	for (i = 0; i < e; i++) {
		float v = m->ring[(m->frames - 1 - i) % m->window];
		tail += (double)v * v;
	}
	st->start_db = e ? audio_db((float)sqrt(m->head_sq / e)) : -INFINITY;
	st->end_db = e ? audio_db((float)sqrt(tail / e)) : -INFINITY;

	st->clip_runs = m->clip_runs;
	st->clipped = m->clipped;
}

void
audio_measure_samples(const float *samples, size_t frames, unsigned channels,
    unsigned rate, unsigned min_clip_run, struct audio_stats *st)
{
	struct meter m;

	memset(st, 0, sizeof *st);
	meter_init(&m, channels, rate, min_clip_run, AUDIO_CLIP_LEVEL);
	meter_feed(&m, samples, frames, NULL);
	meter_finish(&m, st);
	meter_free(&m);
}

/* ---- opening a file ---- */

struct source {
	int fd;
	SNDFILE *sf;
	SF_INFO info;
};

static void
source_close(struct source *src)
{
	if (src->sf != NULL)
		sf_close(src->sf);
	if (src->fd >= 0)
		close(src->fd);
	src->sf = NULL;
	src->fd = -1;
}

static const char *
major_name(int format)
{
	switch (format & SF_FORMAT_TYPEMASK) {
	case SF_FORMAT_WAV:
	case SF_FORMAT_WAVEX:
		return "WAV";
	case SF_FORMAT_RF64: return "RF64";
	case SF_FORMAT_W64: return "W64";
	case SF_FORMAT_AIFF: return "AIFF";
	case SF_FORMAT_AU: return "AU";
	case SF_FORMAT_FLAC: return "FLAC";
	case SF_FORMAT_OGG: return "Ogg";
	case SF_FORMAT_CAF: return "CAF";
	case SF_FORMAT_NIST: return "NIST";
	case SF_FORMAT_VOC: return "VOC";
	case SF_FORMAT_IRCAM: return "IRCAM";
	default: return NULL;
	}
}

static const char *
subtype_name(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8:
	case SF_FORMAT_PCM_U8: return "8-bit";
	case SF_FORMAT_PCM_16: return "16-bit";
	case SF_FORMAT_PCM_24: return "24-bit";
	case SF_FORMAT_PCM_32: return "32-bit";
	case SF_FORMAT_FLOAT: return "float";
	case SF_FORMAT_DOUBLE: return "double";
	case SF_FORMAT_ULAW: return "u-law";
	case SF_FORMAT_ALAW: return "A-law";
	case SF_FORMAT_IMA_ADPCM: return "IMA ADPCM";
	case SF_FORMAT_MS_ADPCM: return "MS ADPCM";
	case SF_FORMAT_GSM610: return "GSM";
	case SF_FORMAT_VORBIS: return "Vorbis";
	case SF_FORMAT_OPUS: return "Opus";
	case SF_FORMAT_ALAC_16: return "ALAC 16-bit";
	case SF_FORMAT_ALAC_20: return "ALAC 20-bit";
	case SF_FORMAT_ALAC_24: return "ALAC 24-bit";
	case SF_FORMAT_ALAC_32: return "ALAC 32-bit";
	default: return NULL;
	}
}

static void
format_name(int format, char *out, size_t size)
{
	SF_FORMAT_INFO fi = { .format = format & SF_FORMAT_TYPEMASK };
	const char *major = major_name(format), *sub = subtype_name(format);

	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_MPEG_LAYER_I: snprintf(out, size, "MP1"); return;
	case SF_FORMAT_MPEG_LAYER_II: snprintf(out, size, "MP2"); return;
	case SF_FORMAT_MPEG_LAYER_III: snprintf(out, size, "MP3"); return;
	}
	if (major == NULL && sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0)
		major = fi.name;
	if (major == NULL)
		major = "audio";
	/* Major names from libsndfile are long ("AIFF (Apple/SGI)"): keep the
	 * first word. */
	snprintf(out, size, "%.*s%s%s", (int)strcspn(major, " "), major,
	    sub ? " " : "", sub ? sub : "");
}

static uint32_t
get32(const unsigned char *p, int big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* libsndfile quietly plays what is there when a WAV's data chunk claims
 * more bytes than the file holds — the usual trace of a copy cut short.
 * Walk the RIFF chunks to compare the claim with the file. Returns 0 when
 * the file is whole (or not a RIFF WAV this walk understands), -1 with
 * *cause set when it is cut. */
static int
wav_check_length(int fd, off_t size, unsigned rate, char **cause)
{
	unsigned char h[12], ck[8], fmt[16];
	unsigned block = 0;
	off_t off = 12;
	uint32_t n;
	int big, i;

	if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
		return 0;
	if (memcmp(h, "RIFF", 4) == 0)
		big = 0;
	else if (memcmp(h, "RIFX", 4) == 0)
		big = 1;
	else
		return 0;
	for (i = 0; i < 64 && off + 8 <= size; i++) {
		if (pread(fd, ck, sizeof ck, off) != (ssize_t)sizeof ck)
			return 0;
		n = get32(ck + 4, big);
		if (memcmp(ck, "fmt ", 4) == 0 && n >= 16 &&
		    pread(fd, fmt, sizeof fmt, off + 8) == (ssize_t)sizeof fmt)
			block = big ? (unsigned)fmt[12] << 8 | fmt[13] : (unsigned)fmt[13] << 8 | fmt[12];
		if (memcmp(ck, "data", 4) == 0) {
			off_t have = size - (off + 8);
			/* 0 and 0xffffffff mark a stream whose writer never
			 * went back to fill in the size. */
			if (n == 0 || n == 0xffffffff || (off_t)n <= have || block == 0)
				return 0;
			if (have < (off_t)block)
				set_cause(cause, "header only: no audio data (the header "
				    "declares %.2f s)", (double)(n / block) / rate);
			else
				set_cause(cause, "truncated: %.2f s of the %.2f s its header "
				    "declares", (double)(have / block) / rate,
				    (double)(n / block) / rate);
			return -1;
		}
		off += 8 + (off_t)n + (n & 1);
	}
	return 0;
}

static int
source_open(int dirfd, const char *path, struct source *src, char **cause)
{
	struct stat sb;
	int type;

	memset(src, 0, sizeof *src);
	src->fd = open_beneath(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0) {
		if (errno == EXDEV)
			set_cause(cause, "cannot open: the path leads outside the dataset");
		else
			set_cause(cause, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(src->fd, &sb) != 0) {
		set_cause(cause, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_cause(cause, "not a regular file");
		goto fail;
	}
	if (sb.st_size == 0) {
		set_cause(cause, "empty file (0 bytes)");
		goto fail;
	}
	/* libsndfile closes nothing of ours: on a failed open it would
	 * otherwise close the descriptor we close below. */
	src->sf = sf_open_fd(src->fd, SFM_READ, &src->info, SF_FALSE);
	if (src->sf == NULL) {
		/* sf_error(NULL) reads libsndfile's last-error global, which
		 * another thread may be setting too: at worst the message names
		 * the wrong reason, and it is always a static string. Its
		 * other codes' texts mislead here ("File does not exist" for
		 * an MP3 frame header followed by junk). */
		int code = sf_error(NULL);
		const char *why = "the decoder refused it.";
		if (code == SF_ERR_UNRECOGNISED_FORMAT || code == SF_ERR_MALFORMED_FILE ||
		    code == SF_ERR_UNSUPPORTED_ENCODING)
			why = sf_error_number(code);
		set_cause(cause, "not audio libsndfile can read (%c%.*s)",
		    g_ascii_tolower(why[0]), (int)strcspn(why + 1, "."), why + 1);
		goto fail;
	}
	if (src->info.channels <= 0 || src->info.samplerate <= 0) {
		set_cause(cause, "bad header: %d channels at %d Hz",
		    src->info.channels, src->info.samplerate);
		goto fail;
	}
	type = src->info.format & SF_FORMAT_TYPEMASK;
	if ((type == SF_FORMAT_WAV || type == SF_FORMAT_WAVEX) &&
	    wav_check_length(src->fd, sb.st_size, (unsigned)src->info.samplerate, cause) != 0)
		goto fail;
	if (src->info.frames == 0) {
		set_cause(cause, "header only: no audio data");
		goto fail;
	}
	return 0;
fail:
	source_close(src);
	return -1;
}

static float
clip_level(int format)
{
	int sub = format & SF_FORMAT_SUBMASK;
	if (sub == SF_FORMAT_PCM_S8 || sub == SF_FORMAT_PCM_U8)
		return 127.0f / 128.0f;
	return AUDIO_CLIP_LEVEL;
}

/* Float files can hold NaN and infinities; they would poison every sum. */
static void
sanitize(float *x, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			x[i] = 0;
}

/* Read the whole source through the meter. When clip is not NULL the
 * first frames are kept in it. Returns 0, or -1 with *cause set. */
static int
source_run(struct source *src, unsigned min_run, struct audio_stats *st,
    struct audio_clip *clip, char **cause)
{
	unsigned nc = (unsigned)src->info.channels;
	int format = src->info.format, sub = format & SF_FORMAT_SUBMASK;
	int floats = sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE;
	size_t block = 65536 / nc ? 65536 / nc : 1, keep = 0, capkeep, take;
	float *buf = xmalloc(block * nc * sizeof *buf), *mono = NULL;
	struct meter m;
	sf_count_t got;
	int rc = 0;

	if (clip != NULL) {
		keep = AUDIO_KEEP_SAMPLES / nc;
		capkeep = keep;
		if (src->info.frames > 0 && (uint64_t)src->info.frames < capkeep)
			capkeep = (size_t)src->info.frames;
		clip->samples = xmalloc(capkeep * nc * sizeof *clip->samples);
		mono = nc > 1 ? xmalloc(capkeep * sizeof *mono) : NULL;
	}
	meter_init(&m, nc, (unsigned)src->info.samplerate, min_run, clip_level(format));
	for (;;) {
		got = sf_readf_float(src->sf, buf, (sf_count_t)block);
		if (got <= 0)
			break;
		if (floats)
			sanitize(buf, (size_t)got * nc);
		take = 0;
		if (clip != NULL && clip->frames < keep) {
			take = keep - clip->frames < (size_t)got ? keep - clip->frames : (size_t)got;
			if (clip->frames + take > capkeep) {
				/* The header's frame count was short or unknown. */
				size_t need = clip->frames + take;
				clip->samples = xgrow(clip->samples, &capkeep, need,
				    nc * sizeof *clip->samples);
				if (mono != NULL)
					mono = xrealloc(mono, capkeep * sizeof *mono);
			}
			memcpy(clip->samples + clip->frames * nc, buf, take * nc * sizeof *buf);
		}
		meter_feed(&m, buf, take, mono ? mono + clip->frames : NULL);
		meter_feed(&m, buf + take * nc, (size_t)got - take, NULL);
		if (clip != NULL)
			clip->frames += take;
	}
	if (sf_error(src->sf) != SF_ERR_NO_ERROR) {
		set_cause(cause, "decoding failed after %.2f s: %s",
		    (double)m.frames / src->info.samplerate, sf_strerror(src->sf));
		rc = -1;
	} else if (m.frames == 0) {
		set_cause(cause, "no audio data");
		rc = -1;
	} else if ((sub < SF_FORMAT_MPEG_LAYER_I || sub > SF_FORMAT_MPEG_LAYER_III) &&
	    src->info.frames != SF_COUNT_MAX && m.frames < (uint64_t)src->info.frames) {
		/* MP3 lengths in headers are estimates; other formats'
		 * are exact, so a short read means the file was cut. */
		set_cause(cause, "truncated: %.2f s of the %.2f s its header declares",
		    (double)m.frames / src->info.samplerate,
		    (double)src->info.frames / src->info.samplerate);
		rc = -1;
	}
	if (rc == 0) {
		meter_finish(&m, st);
		format_name(format, st->format, sizeof st->format);
		if (clip != NULL)
			clip->mono = nc > 1 ? mono : clip->samples;
	} else
		free(mono);
	meter_free(&m);
	free(buf);
	return rc;
}

int
audio_measure_at(int dirfd, const char *path, unsigned min_clip_run,
    struct audio_stats *st, char **cause)
{
	struct source src;
	int rc;

	memset(st, 0, sizeof *st);
	if (source_open(dirfd, path, &src, cause) != 0)
		return -1;
	rc = source_run(&src, min_clip_run, st, NULL, cause);
	source_close(&src);
	return rc;
}

struct audio_clip *
audio_decode_at(int dirfd, const char *path, char **cause)
{
	struct audio_clip *clip;
	struct source src;

	if (source_open(dirfd, path, &src, cause) != 0)
		return NULL;
	clip = xcalloc(1, sizeof *clip);
	if (source_run(&src, 0, &clip->stats, clip, cause) != 0) {
		free(clip->samples);
		free(clip);
		clip = NULL;
	}
	source_close(&src);
	return clip;
}

struct audio_reader {
	struct source src;
	int floats;
};

struct audio_reader *
audio_reader_open(int dirfd, const char *path, unsigned *rate,
    unsigned *channels, double *duration, char **cause)
{
	struct audio_reader *r = xcalloc(1, sizeof *r);
	int sub;

	if (source_open(dirfd, path, &r->src, cause) != 0) {
		free(r);
		return NULL;
	}
	sub = r->src.info.format & SF_FORMAT_SUBMASK;
	r->floats = sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE;
	*rate = (unsigned)r->src.info.samplerate;
	*channels = (unsigned)r->src.info.channels;
	*duration = r->src.info.frames == SF_COUNT_MAX ? 0 :
	    (double)r->src.info.frames / r->src.info.samplerate;
	return r;
}

size_t
audio_reader_read(struct audio_reader *r, float *buf, size_t n)
{
	sf_count_t got = sf_readf_float(r->src.sf, buf, (sf_count_t)n);

	if (got <= 0)
		return 0;
	if (r->floats)
		sanitize(buf, (size_t)got * (size_t)r->src.info.channels);
	return (size_t)got;
}

void
audio_reader_close(struct audio_reader *r)
{
	if (r == NULL)
		return;
	source_close(&r->src);
	free(r);
}

struct audio_resampler {
	unsigned channels, from, to;
	uint64_t in_done;       /* input frames consumed */
	uint64_t t;             /* next output frame */
	float *carry;           /* the last input frame of the last block */
};

struct audio_resampler *
audio_resampler_new(unsigned channels, unsigned from, unsigned to)
{
	struct audio_resampler *rs = xcalloc(1, sizeof *rs);

	rs->channels = channels;
	rs->from = from;
	rs->to = to;
	rs->carry = xcalloc(channels, sizeof *rs->carry);
	return rs;
}

void
audio_resampler_free(struct audio_resampler *rs)
{
	if (rs == NULL)
		return;
	free(rs->carry);
	free(rs);
}

size_t
audio_resample_max(const struct audio_resampler *rs, size_t n)
{
	return (size_t)((uint64_t)n * rs->to / rs->from) + 2;
}

size_t
audio_resample(struct audio_resampler *rs, const float *in, size_t n, float *out)
{
	unsigned nc = rs->channels, c;
	uint64_t base = rs->in_done, end = base + n, num, i;
	const float *a, *b;
	size_t made = 0;
	float frac;

	if (rs->from == rs->to) {
		if (n > 0)
			memcpy(out, in, n * nc * sizeof *in);
		rs->in_done = end;
		return n;
	}
	for (;; rs->t++, made++) {
		num = rs->t * rs->from;
		i = num / rs->to;
		frac = (float)(num % rs->to) / rs->to;
		/* Both neighbours are needed; at the end the last frame, whose
		 * right neighbour never comes, is held. */
		if (n > 0 ? i + 1 >= end : base == 0 || i >= base)
			break;
		a = i < base ? rs->carry : in + (i - base) * nc;
		b = n == 0 ? a : i + 1 < base ? rs->carry : in + (i + 1 - base) * nc;
		for (c = 0; c < nc; c++)
			out[made * nc + c] = a[c] + (b[c] - a[c]) * frac;
	}
	if (n > 0)
		memcpy(rs->carry, in + (n - 1) * nc, nc * sizeof *in);
	rs->in_done = end;
	return made;
}

void
audio_clip_free(struct audio_clip *clip)
{
	if (clip == NULL)
		return;
	if (clip->mono != clip->samples)
		free(clip->mono);
	free(clip->samples);
	free(clip);
}

void
audio_envelope(const struct audio_clip *clip, size_t first, size_t count,
    unsigned columns, float *lo, float *hi)
{
	unsigned nc = clip->stats.channels, col;
	size_t a, b, i;
	const float *x;
	float mn, mx;

	for (col = 0; col < columns; col++) {
		a = first + (size_t)((uint64_t)count * col / columns);
		b = first + (size_t)((uint64_t)count * (col + 1) / columns);
		if (b <= a)
			b = a + 1;
		x = clip->samples + a * nc;
		mn = mx = x[0];
		for (i = 0; i < (b - a) * nc; i++) {
			if (x[i] < mn)
				mn = x[i];
			if (x[i] > mx)
				mx = x[i];
		}
		lo[col] = mn;
		hi[col] = mx;
	}
}

static void
add_db(struct buf *b, const char *what, float db, const char *unit)
{
	if (isinf(db))
		buf_addf(b, "%s -inf%s", what, unit);
	else
		buf_addf(b, "%s %.1f%s", what, db, unit);
}

static char *
describe(const struct audio_stats *st, int compact)
{
	const char *sep = compact ? " " : "  ";
	struct buf b = { 0 };
	double d = st->duration;

	if (d < 60)
		buf_addf(&b, "%.2f s", d);
	else
		buf_addf(&b, "%d:%04.1f", (int)(d / 60), fmod(d, 60));
	buf_addf(&b, "%s%g kHz%s", sep, st->rate / 1000.0, sep);
	if (st->channels == 1)
		buf_adds(&b, "mono");
	else if (st->channels == 2)
		buf_adds(&b, "stereo");
	else
		buf_addf(&b, "%u ch", st->channels);
	if (st->format[0] != '\0' && !compact)
		buf_addf(&b, "%s%s", sep, st->format);
	buf_adds(&b, sep);
	add_db(&b, compact ? "pk" : "peak", st->peak_db, compact ? "" : " dBFS");
	buf_adds(&b, sep);
	add_db(&b, compact ? "rms" : "RMS", st->rms_db, " dBFS");
	if (st->clip_runs > 0)
		buf_addf(&b, "%sclipped x%u", sep, st->clip_runs);
	buf_str(&b);
	return b.data;
}

char *
audio_describe(const struct audio_stats *st)
{
	return describe(st, 0);
}

char *
audio_describe_short(const struct audio_stats *st)
{
	return describe(st, 1);
}
