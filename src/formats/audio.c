/* audio.c — decode clips with libsndfile, from a file or from memory, and
 * measure them in one pass through the meter (audio-meter.c). */
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

#include "audio-meter.h"
#include "sample.h"
#include "util.h"

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

/* 16-bit samples as floats, s / 32768: libsndfile's own conversion to the
 * bit (the product is exact), but in eight lanes that the compiler turns
 * into vector instructions (with AVX2's widening loads where there are
 * any), where libsndfile's loop takes a sample at a time. */
AVX2_CLONES static void
shorts_to_floats(const short *restrict s, float *restrict x, size_t n)
{
	const float k = 1.0f / 32768.0f;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		x[i] = (float)s[i] * k;
		x[i + 1] = (float)s[i + 1] * k;
		x[i + 2] = (float)s[i + 2] * k;
		x[i + 3] = (float)s[i + 3] * k;
		x[i + 4] = (float)s[i + 4] * k;
		x[i + 5] = (float)s[i + 5] * k;
		x[i + 6] = (float)s[i + 6] * k;
		x[i + 7] = (float)s[i + 7] * k;
	}
	for (; i < n; i++)
		x[i] = (float)s[i] * k;
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
	short *sbuf = NULL;
	sf_count_t got;

	/* 16-bit files, most speech, are read as they are stored and
	 * turned into floats here. */
	if (sub == SF_FORMAT_PCM_16)
		sbuf = xmalloc(block * nc * sizeof *sbuf);

	if (clip != NULL) {
		keep = AUDIO_KEEP_SAMPLES / nc;
		capkeep = keep;
		if (src->info.frames > 0 && (uint64_t)src->info.frames < capkeep)
			capkeep = (size_t)src->info.frames;
		clip->samples = xmalloc(capkeep * nc * sizeof *clip->samples);
		*mono = nc > 1 ? xmalloc(capkeep * sizeof **mono) : NULL;
	}
	for (;;) {
		if (sbuf != NULL) {
			got = sf_readf_short(src->sf, sbuf, (sf_count_t)block);
			if (got > 0)
				shorts_to_floats(sbuf, buf, (size_t)got * nc);
		} else
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
	free(sbuf);
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
