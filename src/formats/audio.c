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
#include "sample.h"
#include "util.h"

/* |x| is summed in fixed point so that the sliding window's sum is exact:
 * a window's sum never depends on the order samples entered and left it,
 * and equal windows compare equal. 2^24 keeps every 16- and 24-bit sample
 * exact; a clamp keeps hostile float files from overflowing. */
#define ABS_SCALE 16777216.0f
#define ABS_MAX 1024.0f

/* The short windows' sums are taken over pieces of this many floats (in
 * whole frames), counted from the first frame whatever the reads, so that
 * a clip measures to the bit the same from a file and from memory. It is
 * also what audio_measure_mem decodes a read (a file is read in larger
 * blocks: libsndfile's decoders tell a cut FLAC file from a damaged one
 * differently with other read sizes). */
#define PIECE_FLOATS 4096
#define FILE_READ_FLOATS 65536

/* Everything measured while the samples stream past. The levels, the
 * clipping and the short windows are taken for every caller, a window at
 * a time (most of `winnow check`'s time); the loudest second and the
 * edges of the mono mix only with `sections` (a clip to show). */
struct meter {
	unsigned channels, rate, min_run;
	float clip_level;
	size_t piece;           /* PIECE_FLOATS in frames */
	uint64_t frames;
	float peak;
	double sum_sq;
	double sum_abs, sum_log;        /* of |x| and ln |x| (floored) */

	unsigned *run;          /* per channel: length of the current full-scale run */
	signed char *rail;      /* per channel: +1 / -1, the run's side */
	unsigned open;          /* channels with a run going on */
	unsigned clip_runs;
	uint64_t clipped;

	size_t win;             /* AUDIO_WINDOW_SECONDS in frames */
	double block_sq;        /* current window's sum of mean squares */
	double block_sum;       /* and of samples */
	size_t block_n;
	float *means;           /* every whole window's mean sample */
	size_t nmeans, capmeans;
	double head, loud, still; /* window mean squares; loud < 0: none yet */
	float *tail;            /* the last min(frames, win) frames' mean
	                           squares, oldest first */
	size_t ntail;

	int sections;
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

/* dBFS of a mean square, in double: no square root to round first. */
static float
db_power(double mean_square)
{
	return (float)(10.0 * log10(mean_square));
}

static void
meter_init(struct meter *m, unsigned channels, unsigned rate, unsigned min_run,
    float clip_level, int sections)
{
	memset(m, 0, sizeof *m);
	m->channels = channels;
	m->rate = rate;
	m->min_run = min_run ? min_run : AUDIO_CLIP_RUN;
	m->clip_level = clip_level;
	m->piece = PIECE_FLOATS / channels ? PIECE_FLOATS / channels : 1;
	m->run = xcalloc(channels, sizeof *m->run);
	m->rail = xcalloc(channels, sizeof *m->rail);
	m->win = (size_t)lround(rate * AUDIO_WINDOW_SECONDS);
	if (m->win == 0)
		m->win = 1;
	m->loud = -1;
	m->tail = xcalloc(m->win, sizeof *m->tail);
	m->sections = sections;
	if (!sections)
		return;
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
	free(m->rail);
	free(m->tail);
	free(m->ring);
	free(m->means);
}

static void
end_window(struct meter *m)
{
	double ms = m->block_sq / (double)m->block_n;
	m->means = xgrow(m->means, &m->capmeans, m->nmeans + 1, sizeof *m->means);
	m->means[m->nmeans++] = (float)(m->block_sum / ((double)m->block_n * m->channels));
	if (m->loud < 0) {
		m->head = m->loud = m->still = ms;
	} else {
		if (ms > m->loud)
			m->loud = ms;
		if (ms < m->still)
			m->still = ms;
	}
	m->block_sq = 0;
	m->block_sum = 0;
	m->block_n = 0;
}

/* A full-scale run of channel c ends: it counts when it is long enough. */
static inline void
end_run(struct meter *m, unsigned c)
{
	if (m->run[c] >= m->min_run) {
		m->clip_runs++;
		m->clipped += m->run[c];
	}
	m->run[c] = 0;
	m->open--;
}

static inline void
clip_sample(struct meter *m, unsigned c, float v)
{
	if (fabsf(v) >= m->clip_level) {
		signed char side = v > 0 ? 1 : -1;
		/* A jump from one rail to the other starts a new run: a run
		 * is one flattened peak. */
		if (m->run[c] > 0 && m->rail[c] != side)
			end_run(m, c);
		m->rail[c] = side;
		if (m->run[c]++ == 0)
			m->open++;
	} else if (m->run[c] > 0) {
		end_run(m, c);
	}
}

/* Mean square of frame f over the channels. */
static inline float
frame_sq(const float *x, size_t f, unsigned nc)
{
	float s = 0;
	unsigned c;
	for (c = 0; c < nc; c++)
		s += x[f * nc + c] * x[f * nc + c];
	return s / (float)nc;
}

/* Peak, sums, clipping and windows over n frames. Within a window the loop
 * only sums, tracks the largest magnitude and looks for clipping when a
 * sample comes near full scale. */
static void
feed_windows(struct meter *m, const float *x, size_t n)
{
	size_t f = 0, k, take, keep;
	unsigned nc = m->channels;

	while (f < n) {
		const float *seg = x + f * nc;
		/* Four lanes: a single running sum would wait on itself. */
		float s4[4] = { 0, 0, 0, 0 }, t4[4] = { 0, 0, 0, 0 }, sq, top;
		float d4[4] = { 0, 0, 0, 0 }, u4[4] = { 0, 0, 0, 0 }, g4[4] = { 0, 0, 0, 0 };
		size_t len;
		take = m->win - m->block_n;
		if (take > n - f)
			take = n - f;
		len = take * nc;
		for (k = 0; k + 4 <= len; k += 4) {
			unsigned l;
			for (l = 0; l < 4; l++) {
				float v = seg[k + l], a = fabsf(v);
				s4[l] += v * v;
				t4[l] = a > t4[l] ? a : t4[l];
				d4[l] += v;
				u4[l] += a;
				g4[l] += logf(a > AUDIO_LOG_FLOOR ? a : AUDIO_LOG_FLOOR);
			}
		}
		for (; k < len; k++) {
			float v = seg[k], a = fabsf(v);
			s4[0] += v * v;
			t4[0] = a > t4[0] ? a : t4[0];
			d4[0] += v;
			u4[0] += a;
			g4[0] += logf(a > AUDIO_LOG_FLOOR ? a : AUDIO_LOG_FLOOR);
		}
		sq = (s4[0] + s4[1]) + (s4[2] + s4[3]);
		top = fmaxf(fmaxf(t4[0], t4[1]), fmaxf(t4[2], t4[3]));
		if (top > m->peak)
			m->peak = top;
		if (top >= m->clip_level || m->open > 0)
			for (k = 0; k < len; k++)
				clip_sample(m, (unsigned)(k % nc), seg[k]);
		m->sum_sq += sq;
		m->block_sum += (double)((d4[0] + d4[1]) + (d4[2] + d4[3]));
		m->sum_abs += (double)((u4[0] + u4[1]) + (u4[2] + u4[3]));
		m->sum_log += (double)((g4[0] + g4[1]) + (g4[2] + g4[3]));
		m->block_sq += (double)sq / nc;
		m->block_n += take;
		if (m->block_n == m->win)
			end_window(m);
		f += take;
	}
	/* The last window's frames, for the tail. */
	keep = n < m->win ? n : m->win;
	if (m->ntail + keep > m->win) {
		size_t drop = m->ntail + keep - m->win;
		memmove(m->tail, m->tail + drop, (m->ntail - drop) * sizeof *m->tail);
		m->ntail -= drop;
	}
	for (k = n - keep; k < n; k++)
		m->tail[m->ntail++] = frame_sq(x, k, nc);
}

/* The mono mix over n frames (stored in mono when not NULL): its first
 * `edge` samples and its loudest second. */
static void
feed_sections(struct meter *m, const float *x, size_t n, float *mono)
{
	unsigned c, nc = m->channels;
	uint64_t at = m->frames;
	size_t i;
	float mix, old;

	for (i = 0; i < n; i++, at++, x += nc) {
		mix = 0;
		for (c = 0; c < nc; c++)
			mix += x[c];
		if (nc > 1)
			mix /= (float)nc;
		if (mono != NULL)
			mono[i] = mix;

		if (at < m->edge)
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
		/* Strictly greater: the earliest of equally loud windows wins. */
		if (m->full && m->abs_sum > m->best_abs) {
			m->best_abs = m->abs_sum;
			m->best_sq = m->sq_sum;
			m->best_start = at + 1 - m->window;
		}
	}
}

/* Feed n frames; when mono is not NULL the mono mix is stored there too
 * (sections only). */
static void
meter_feed(struct meter *m, const float *x, size_t n, float *mono)
{
	size_t piece;

	while (n > 0) {
		piece = m->piece - (size_t)(m->frames % m->piece);
		if (piece > n)
			piece = n;
		feed_windows(m, x, piece);
		if (m->sections)
			feed_sections(m, x, piece, mono);
		m->frames += piece;
		x += piece * m->channels;
		if (mono != NULL)
			mono += piece;
		n -= piece;
	}
}

static void
finish_sections(struct meter *m, struct audio_stats *st)
{
	uint64_t len;
	size_t i, e;
	double tail = 0, sq;

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
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static double
median_sorted(const float *v, size_t n)
{
	if (n == 0)
		return 0;
	return n % 2 ? v[n / 2] : ((double)v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A DC offset is there in every window, quiet or loud, where sound whose
 * waveform leans to one side (a voice, a clipped peak) moves the mean of
 * its own windows only: the median window holds the offset alone. Noise
 * rich in low tones (rumble, brown noise) moves every window's mean, each
 * its own way: their median deviation from the median tells it. */
static void
window_means(struct meter *m, struct audio_stats *st)
{
	size_t i, n = m->nmeans;
	if (n == 0) {
		st->dc = st->dc_wander = 0;
		return;
	}
	qsort(m->means, n, sizeof *m->means, cmp_float);
	st->dc = median_sorted(m->means, n);
	for (i = 0; i < n; i++)
		m->means[i] = fabsf(m->means[i] - (float)st->dc);
	qsort(m->means, n, sizeof *m->means, cmp_float);
	st->dc_wander = median_sorted(m->means, n);
}

static void
meter_finish(struct meter *m, struct audio_stats *st)
{
	uint64_t samples = m->frames * m->channels;
	double tail = 0;
	unsigned c;
	size_t i;

	for (c = 0; c < m->channels; c++)
		if (m->run[c] > 0)
			end_run(m, c);
	/* A last window of half a window or more counts; a shorter one only
	 * when there is no other. */
	if (m->block_n > 0 && (m->loud < 0 || m->block_n * 2 >= m->win))
		end_window(m);

	st->frames = m->frames;
	st->rate = m->rate;
	st->channels = m->channels;
	st->duration = (double)m->frames / m->rate;
	st->peak = m->peak;
	st->rms = samples ? (float)sqrt(m->sum_sq / (double)samples) : 0;
	st->peak_db = audio_db(st->peak);
	st->rms_db = samples ? db_power(m->sum_sq / ((double)m->frames * m->channels)) : -INFINITY;
	st->clip_runs = m->clip_runs;
	st->clipped = m->clipped;
	window_means(m, st);
	st->abs_log_gap = samples && m->sum_abs > 0 ?
	    log(m->sum_abs / (double)samples) - m->sum_log / (double)samples : NAN;

	if (m->loud < 0) {
		st->head_db = st->tail_db = st->loud_db = st->still_db = -INFINITY;
	} else {
		for (i = 0; i < m->ntail; i++)
			tail += m->tail[i];
		st->head_db = db_power(m->head);
		st->tail_db = db_power(tail / (double)m->ntail);
		st->loud_db = db_power(m->loud);
		st->still_db = db_power(m->still);
	}
	if (m->sections) {
		finish_sections(m, st);
	} else {
		st->loudest_rms_db = st->start_db = st->end_db = NAN;
	}
}

void
audio_measure_samples(const float *samples, size_t frames, unsigned channels,
    unsigned rate, unsigned min_clip_run, struct audio_stats *st)
{
	struct meter m;

	memset(st, 0, sizeof *st);
	meter_init(&m, channels, rate, min_clip_run, AUDIO_CLIP_LEVEL, 1);
	meter_feed(&m, samples, frames, NULL);
	meter_finish(&m, st);
	meter_free(&m);
}

/* ---- opening a file, or bytes in memory ---- */

/* A clip's bytes: a file (fd), or bytes in memory (fd -1) that libsndfile
 * reads through the virtual I/O below. */
struct source {
	int fd;
	const unsigned char *mem;
	sf_count_t len, pos;
	SNDFILE *sf;
	SF_INFO info;
	uint64_t declared;      /* frames a WAV header declares, 0 when none */
	audio_tap_fn tap;       /* audio_measure_mem_tap's, or NULL */
	void *tap_arg;
};

static sf_count_t
mem_length(void *user)
{
	return ((struct source *)user)->len;
}

static sf_count_t
mem_seek(sf_count_t off, int whence, void *user)
{
	struct source *src = user;
	sf_count_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ?
	    src->pos + off : src->len + off;
	if (to < 0 || to > src->len)
		return -1;
	src->pos = to;
	return to;
}

static sf_count_t
mem_read(void *ptr, sf_count_t n, void *user)
{
	struct source *src = user;
	if (n > src->len - src->pos)
		n = src->len - src->pos;
	if (n <= 0)
		return 0;
	memcpy(ptr, src->mem + src->pos, (size_t)n);
	src->pos += n;
	return n;
}

static sf_count_t
mem_write(const void *ptr, sf_count_t n, void *user)
{
	(void)ptr;
	(void)n;
	(void)user;
	return 0;
}

static sf_count_t
mem_tell(void *user)
{
	return ((struct source *)user)->pos;
}

static SF_VIRTUAL_IO mem_io = {
	mem_length, mem_seek, mem_read, mem_write, mem_tell
};

/* n bytes at off, from the file or the memory. Returns 0, or -1 when there
 * are not that many. */
static int
source_pread(const struct source *src, void *buf, size_t n, uint64_t off)
{
	if (src->fd >= 0)
		return pread(src->fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -1;
	if (off > (uint64_t)src->len || n > (uint64_t)src->len - off)
		return -1;
	memcpy(buf, src->mem + off, n);
	return 0;
}

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

const char *
audio_encoding_name(unsigned encoding)
{
	const char *name = subtype_name((int)encoding);
	switch (encoding) {
	case SF_FORMAT_MPEG_LAYER_I: return "MPEG layer I";
	case SF_FORMAT_MPEG_LAYER_II: return "MPEG layer II";
	case SF_FORMAT_MPEG_LAYER_III: return "MPEG layer III";
	}
	return name ? name : "other";
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
 * more bytes than the file holds, the usual trace of a copy cut short: the
 * claim is read here, walking the RIFF chunks. Returns the offset of the
 * data chunk's bytes with *claim (bytes) and *block (bytes a frame), or 0
 * when there is nothing to check: not a RIFF WAV this walk understands, or
 * a size left unknown (0 and 0xffffffff mark a stream whose writer never
 * came back to fill it in). */
static uint64_t
wav_data_chunk(const struct source *src, uint64_t size, uint32_t *claim,
    unsigned *block)
{
	unsigned char h[12], ck[8], fmt[16];
	uint64_t off = 12;
	uint32_t n;
	int big, i;

	*block = 0;
	if (source_pread(src, h, sizeof h, 0) != 0)
		return 0;
	if (memcmp(h, "RIFF", 4) == 0)
		big = 0;
	else if (memcmp(h, "RIFX", 4) == 0)
		big = 1;
	else
		return 0;
	for (i = 0; i < 64 && off + 8 <= size; i++) {
		if (source_pread(src, ck, sizeof ck, off) != 0)
			return 0;
		n = get32(ck + 4, big);
		if (memcmp(ck, "fmt ", 4) == 0 && n >= 16 &&
		    source_pread(src, fmt, sizeof fmt, off + 8) == 0)
			*block = big ? (unsigned)fmt[12] << 8 | fmt[13] :
			    (unsigned)fmt[13] << 8 | fmt[12];
		if (memcmp(ck, "data", 4) == 0) {
			if (n == 0 || n == 0xffffffff || *block == 0)
				return 0;
			*claim = n;
			return off + 8;
		}
		off += 8 + (uint64_t)n + (n & 1);
	}
	return 0;
}

/* Sets src->declared to the frames a WAV source's header declares (0 when
 * it declares nothing checkable). Returns 1 when its data chunk claims
 * more bytes than the source holds, with the bytes it holds in *have and
 * the bytes of a frame in *block; else 0. */
static int
wav_cut(struct source *src, uint64_t size, uint64_t *have, unsigned *block)
{
	int type = src->info.format & SF_FORMAT_TYPEMASK;
	uint32_t claim = 0;
	uint64_t data;

	src->declared = 0;
	if (type != SF_FORMAT_WAV && type != SF_FORMAT_WAVEX)
		return 0;
	if ((data = wav_data_chunk(src, size, &claim, block)) == 0)
		return 0;
	src->declared = claim / *block;
	*have = size - data;
	return claim > *have;
}

static int
source_open(int dirfd, const char *path, struct source *src, char **cause)
{
	struct stat sb;
	uint64_t have;
	unsigned block;

	memset(src, 0, sizeof *src);
	if ((src->fd = sample_open(dirfd, path, &sb, cause)) < 0)
		return -1;
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
	if (wav_cut(src, (uint64_t)sb.st_size, &have, &block)) {
		if (have < block)
			set_cause(cause, "header only: no audio data (the header "
			    "declares %.2f s)", (double)src->declared / src->info.samplerate);
		else
			set_cause(cause, "truncated: %.2f s of the %.2f s its header "
			    "declares", (double)(have / block) / src->info.samplerate,
			    (double)src->declared / src->info.samplerate);
		goto fail;
	}
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

/* Decode the whole source through the meter, read_floats at a time. With
 * clip, its first frames are kept in it, and their mono mix in *mono when
 * there are several channels (the caller frees it, or hands it to the
 * clip). */
static void
source_read(struct source *src, size_t read_floats, struct meter *m,
    struct audio_clip *clip, float **mono)
{
	unsigned nc = (unsigned)src->info.channels;
	int sub = src->info.format & SF_FORMAT_SUBMASK;
	int floats = sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE;
	size_t block = read_floats / nc ? read_floats / nc : 1, keep = 0, capkeep = 0, take;
	float *buf = xmalloc(block * nc * sizeof *buf);
	sf_count_t got;

	if (clip != NULL) {
		keep = AUDIO_KEEP_SAMPLES / nc;
		capkeep = keep;
		if (src->info.frames > 0 && (uint64_t)src->info.frames < capkeep)
			capkeep = (size_t)src->info.frames;
		clip->samples = xmalloc(capkeep * nc * sizeof *clip->samples);
		*mono = nc > 1 ? xmalloc(capkeep * sizeof **mono) : NULL;
	}
	for (;;) {
		got = sf_readf_float(src->sf, buf, (sf_count_t)block);
		if (got <= 0)
			break;
		if (floats)
			sanitize(buf, (size_t)got * nc);
		if (src->tap != NULL)
			src->tap(buf, (size_t)got, nc, (unsigned)src->info.samplerate,
			    src->tap_arg);
		take = 0;
		if (clip != NULL && clip->frames < keep) {
			take = keep - clip->frames < (size_t)got ? keep - clip->frames : (size_t)got;
			if (clip->frames + take > capkeep) {
				/* The header's frame count was short or unknown. */
				size_t need = clip->frames + take;
				clip->samples = xgrow(clip->samples, &capkeep, need,
				    nc * sizeof *clip->samples);
				if (*mono != NULL)
					*mono = xrealloc(*mono, capkeep * sizeof **mono);
			}
			memcpy(clip->samples + clip->frames * nc, buf, take * nc * sizeof *buf);
			meter_feed(m, buf, take, *mono ? *mono + clip->frames : NULL);
			clip->frames += take;
		}
		meter_feed(m, buf + take * nc, (size_t)got - take, NULL);
	}
	free(buf);
}

/* Measure a file's source whole, keeping its first frames in clip when
 * not NULL. Returns 0, or -1 with *cause set. */
static int
source_run(struct source *src, unsigned min_run, struct audio_stats *st,
    struct audio_clip *clip, char **cause)
{
	unsigned nc = (unsigned)src->info.channels;
	int format = src->info.format, sub = format & SF_FORMAT_SUBMASK;
	float *mono = NULL;
	struct meter m;
	int rc = 0;

	meter_init(&m, nc, (unsigned)src->info.samplerate, min_run, clip_level(format), 1);
	source_read(src, FILE_READ_FLOATS, &m, clip, &mono);
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
		st->declared = src->declared;
		st->encoding = (unsigned)sub;
		format_name(format, st->format, sizeof st->format);
		if (clip != NULL)
			clip->mono = nc > 1 ? mono : clip->samples;
	} else
		free(mono);
	meter_free(&m);
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

enum audio_fault
audio_measure_mem(const void *bytes, size_t len, struct audio_stats *st)
{
	return audio_measure_mem_tap(bytes, len, st, NULL, NULL);
}

enum audio_fault
audio_measure_mem_tap(const void *bytes, size_t len, struct audio_stats *st,
    audio_tap_fn tap, void *tap_arg)
{
	struct source src = { .fd = -1, .mem = bytes, .len = (sf_count_t)len,
	    .tap = tap, .tap_arg = tap_arg };
	enum audio_fault fault;
	struct meter m;
	uint64_t have;
	unsigned block;

	memset(st, 0, sizeof *st);
	src.sf = sf_open_virtual(&mem_io, SFM_READ, &src.info, &src);
	if (src.sf == NULL || src.info.channels <= 0 || src.info.samplerate <= 0) {
		source_close(&src);
		return AUDIO_FAULT_UNDECODABLE;
	}
	meter_init(&m, (unsigned)src.info.channels, (unsigned)src.info.samplerate, 0,
	    clip_level(src.info.format), 0);
	source_read(&src, PIECE_FLOATS, &m, NULL, NULL);
	wav_cut(&src, len, &have, &block);
	meter_finish(&m, st);
	st->declared = src.declared;
	st->encoding = (unsigned)(src.info.format & SF_FORMAT_SUBMASK);
	format_name(src.info.format, st->format, sizeof st->format);
	fault = m.frames == 0 ? AUDIO_FAULT_NO_FRAMES : src.declared > m.frames ?
	    AUDIO_FAULT_CUT_SHORT : AUDIO_FAULT_NONE;
	meter_free(&m);
	source_close(&src);
	return fault;
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
