/* test-audio.c — decoding and measuring real files made by sox, checked
 * against sox's own figures (`sox FILE -n stat`) and against what each
 * fixture was built to be; broken files must fail with a message. */
#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fftw3.h>
#include <sndfile.h>

#include "audio-meter.h"
#include "audio-view.h"
#include "audio.h"
#include "spectrum.h"
#include "tap.h"
#include "testfs.h"
#include "ui.h"
#include "util.h"

static int dirfd_;

/* sox's figures for a file: the largest |sample| and the RMS over every
 * sample, from `sox FILE -n stat`. */
struct soxstat {
	double max, min, rms;
};

static int
sox_stat(const char *name, struct soxstat *s)
{
	char *cmd = xasprintf("cd %s && sox '%s' -n stat 2>&1", tmpdir, name), line[256];
	FILE *f = popen(cmd, "r");
	int found = 0;
	free(cmd);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		found += sscanf(line, "Maximum amplitude: %lf", &s->max);
		found += sscanf(line, "Minimum amplitude: %lf", &s->min);
		found += sscanf(line, "RMS amplitude: %lf", &s->rms);
	}
	pclose(f);
	return found == 3 ? 0 : -1;
}

static double
db(double x)
{
	return x > 0 ? 20 * log10(x) : -INFINITY;
}

/* Decode name; compare its levels with sox's. */
static struct audio_clip *
decode_like_sox(const char *name, double tol_db)
{
	struct soxstat s;
	char *cause = NULL;
	struct audio_clip *clip = audio_decode_at(dirfd_, name, &cause);

	if (!ok(clip != NULL, "%s decodes", name)) {
		fprintf(stderr, "#   %s\n", cause);
		free(cause);
		return NULL;
	}
	if (!ok(sox_stat(name, &s) == 0, "%s: sox stat parsed", name))
		return clip;
	is_near(clip->stats.peak_db, db(fmax(fabs(s.max), fabs(s.min))), tol_db, "peak dBFS = sox stat");
	is_near(clip->stats.rms_db, db(s.rms), tol_db, "RMS dBFS = sox stat");
	return clip;
}

static void
expect_failure(const char *name, const char *words)
{
	struct audio_stats st;
	char *cause = NULL, *cause2 = NULL;
	struct audio_clip *clip = audio_decode_at(dirfd_, name, &cause);

	ok(clip == NULL, "%s: decode fails", name);
	ok(cause != NULL && strstr(cause, words) != NULL, "%s: says \"%s\" (%s)",
	    name, words, cause ? cause : "no message");
	ok(audio_measure_at(dirfd_, name, 0, &st, &cause2) == -1 && cause2 != NULL &&
	    strcmp(cause, cause2) == 0, "%s: the fast path fails the same way", name);
	audio_clip_free(clip);
	free(cause);
	free(cause2);
}

static void
test_sine(void)
{
	struct audio_clip *clip;
	struct audio_stats st;
	char *cause = NULL, *line;
	float lo[8], hi[8];
	int i, bad = 0;

	/* -D: no dither, so the figures are the sine's own. */
	if (run("sox -D -r 16000 -c 1 -n -b 16 sine.wav synth 1 sine 1000 vol 0.5"))
		return;
	if ((clip = decode_like_sox("sine.wav", 0.01)) == NULL)
		return;
	is_near(clip->stats.peak_db, -6.02, 0.02, "sine: peak -6.02 dBFS");
	is_near(clip->stats.rms_db, -9.03, 0.02, "sine: RMS -9.03 dBFS");
	is_int(clip->stats.frames, 16000, "sine: 16000 frames");
	is_int(clip->frames, 16000, "sine: all kept");
	is_int(clip->stats.rate, 16000, "sine: 16 kHz");
	is_int(clip->stats.channels, 1, "sine: mono");
	is_str(clip->stats.format, "WAV 16-bit", "sine: format name");
	is_near(clip->stats.duration, 1.0, 1e-9, "sine: 1 s");
	is_int(clip->stats.loudest_frames, 16000, "sine: loudest section is the whole second");
	is_near(clip->stats.loudest_rms_db, -9.03, 0.02, "sine: loudest RMS");
	is_near(clip->stats.start_db, -9.03, 0.1, "sine: level at the start");
	is_near(clip->stats.end_db, -9.03, 0.1, "sine: level at the end");
	is_int(clip->stats.clip_runs, 0, "sine: not clipped");
	ok(clip->mono == clip->samples, "sine: mono mix is the samples");

	audio_envelope(clip, 0, clip->frames, 8, lo, hi);
	for (i = 0; i < 8; i++)
		bad += fabsf(hi[i] - 0.5f) > 0.01f || fabsf(lo[i] + 0.5f) > 0.01f;
	is_int(bad, 0, "sine: every envelope column spans -0.5..0.5");

	line = audio_describe(&clip->stats);
	is_str(line, "1.00 s  16 kHz  mono  WAV 16-bit  peak -6.0 dBFS  RMS -9.0 dBFS",
	    "sine: info line");
	free(line);
	line = audio_describe_short(&clip->stats);
	is_str(line, "1.00 s 16 kHz mono pk -6.0 rms -9.0 dBFS", "sine: compact info line");
	free(line);

	ok(audio_measure_at(dirfd_, "sine.wav", 0, &st, &cause) == 0, "sine: fast path");
	ok(memcmp(&st, &clip->stats, sizeof st) == 0, "sine: fast path measures the same");
	audio_clip_free(clip);
}

static void
test_silence(void)
{
	struct audio_clip *clip;
	char *cause = NULL, *line;

	if (run("sox -D -r 8000 -c 1 -n -b 16 silence.wav trim 0 0.5"))
		return;
	clip = audio_decode_at(dirfd_, "silence.wav", &cause);
	if (!ok(clip != NULL, "silence decodes"))
		return;
	ok(isinf(clip->stats.peak_db) && clip->stats.peak_db < 0, "silence: peak -inf");
	ok(isinf(clip->stats.rms_db) && clip->stats.rms_db < 0, "silence: RMS -inf");
	ok(isinf(clip->stats.loudest_rms_db), "silence: loudest section -inf");
	is_int(clip->stats.frames, 4000, "silence: 4000 frames");
	is_int(clip->stats.loudest_start, 0, "silence: shorter than a second, loudest from 0");
	is_int(clip->stats.loudest_frames, 4000, "silence: loudest is the whole clip");
	line = audio_describe(&clip->stats);
	ok(strstr(line, "peak -inf dBFS") != NULL, "silence: info line says -inf (%s)", line);
	free(line);
	audio_clip_free(clip);
}

static void
test_clipped(void)
{
	struct audio_clip *clip;
	char *cause = NULL;
	int n, want = 0;

	/* A 100 Hz sine at twice full scale, cut flat by sox: one flat top
	 * and one flat bottom per period. */
	if (run("sox -D -r 16000 -c 1 -n -b 16 clipped.wav synth 1 sine 100 gain 6.0206 2>/dev/null"))
		return;
	if ((clip = decode_like_sox("clipped.wav", 0.01)) == NULL)
		return;
	is_int(clip->stats.clip_runs, 200, "clipped: 200 flat peaks");
	for (n = 0; n < 16000; n++)
		want += fabs(2 * sin(2 * M_PI * 100 * n / 16000.0)) >= 0.999;
	is_near((double)clip->stats.clipped, want, want * 0.01, "clipped: samples in runs");
	audio_clip_free(clip);

	/* Just below full scale: no run at all. */
	if (run("sox -D -r 16000 -c 1 -n -b 16 loud.wav synth 1 sine 100 vol 0.99"))
		return;
	clip = audio_decode_at(dirfd_, "loud.wav", &cause);
	if (ok(clip != NULL, "loud decodes"))
		is_int(clip->stats.clip_runs, 0, "loud but clean: no clipping");
	audio_clip_free(clip);
}

static void
test_loudest(void)
{
	struct audio_clip *clip;
	char *cause = NULL;
	float lo[33], hi[33];

	/* Quiet noise, then a square wave at 0.5 for exactly 1 s from
	 * 1.3 s, then quiet noise: the loudest second starts at 1.3 s. */
	if (run("sox -D -r 16000 -c 1 -n -b 16 q1.wav synth 1.3 whitenoise vol 0.01 && "
	    "sox -D -r 16000 -c 1 -n -b 16 b.wav synth 1 square 440 vol 0.5 && "
	    "sox -D -r 16000 -c 1 -n -b 16 q2.wav synth 1 whitenoise vol 0.01 && "
	    "sox -D q1.wav b.wav q2.wav burst.wav"))
		return;
	if ((clip = decode_like_sox("burst.wav", 0.01)) == NULL)
		return;
	is_int(clip->stats.frames, 52800, "burst: 3.3 s");
	is_int(clip->stats.loudest_start, 20800, "burst: loudest second starts at 1.3 s");
	is_int(clip->stats.loudest_frames, 16000, "burst: loudest section is 1 s");
	is_near(clip->stats.loudest_rms_db, -6.02, 0.05, "burst: loudest RMS is the square's");
	ok(clip->stats.start_db < -40 && clip->stats.end_db < -40,
	    "burst: quiet at both edges (%.1f, %.1f dBFS)", clip->stats.start_db,
	    clip->stats.end_db);

	/* 33 columns of 1600 frames: 13 quiet, 10 loud, 10 quiet. */
	audio_envelope(clip, 0, clip->frames, 33, lo, hi);
	ok(hi[5] < 0.02f && hi[12] < 0.02f && hi[13] > 0.49f && hi[22] > 0.49f &&
	    hi[23] < 0.02f && lo[17] < -0.49f, "burst: the envelope shows the burst where it is");
	audio_clip_free(clip);

	/* The same burst in a stereo 44.1 kHz file, louder on the left. */
	if (run("sox -D burst.wav -r 44100 -c 2 burst2.wav remix 1 1v0.5 rate -v 44100"))
		return;
	clip = audio_decode_at(dirfd_, "burst2.wav", &cause);
	if (!ok(clip != NULL, "stereo burst decodes"))
		return;
	is_int(clip->stats.channels, 2, "stereo: 2 channels");
	is_int(clip->stats.rate, 44100, "stereo: 44.1 kHz");
	is_near(clip->stats.loudest_start / 44100.0, 1.3, 0.01, "stereo: loudest second near 1.3 s");
	ok(clip->mono != clip->samples && fabsf(clip->mono[60000] -
	    (clip->samples[120000] + clip->samples[120001]) / 2) < 1e-6f,
	    "stereo: mono is the mean of the channels");
	audio_clip_free(clip);
	clip = decode_like_sox("burst2.wav", 0.01);
	audio_clip_free(clip);
}

/* Other formats libsndfile reads, each written by sox or by libsndfile. */
static void
test_formats(void)
{
	static const struct {
		const char *name, *make, *format;
	} f[] = {
		{ "s.flac", "sox -D sine.wav -b 24 s.flac", "FLAC 24-bit" },
		{ "s.ogg", "sox -D sine.wav s.ogg", "Ogg Vorbis" },
		{ "s8.wav", "sox -D sine.wav -b 8 s8.wav", "WAV 8-bit" },
		{ "sf.wav", "sox -D sine.wav -e floating-point -b 32 sf.wav", "WAV float" },
		{ "s.aiff", "sox -D sine.wav s.aiff", "AIFF 16-bit" },
		{ "su.wav", "sox -D sine.wav -e u-law su.wav", "WAV u-law" },
	};
	struct audio_clip *clip;
	char *cause;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (run("%s", f[i].make))
			continue;
		/* Lossy and 8-bit codecs change the figures a little. */
		clip = decode_like_sox(f[i].name, strstr(f[i].name, "ogg") ? 0.5 : 0.05);
		if (clip == NULL)
			continue;
		is_str(clip->stats.format, f[i].format, "format name");
		is_near(clip->stats.duration, 1.0, 0.01, "duration");
		audio_clip_free(clip);
	}

	/* MP3 and Opus: sox here writes neither, libsndfile writes both. */
	static const struct {
		const char *name;
		int format;
		unsigned rate;
		const char *want;
	} w[] = {
		{ "s.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 16000, "MP3" },
		{ "s.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 16000, "Ogg Opus" },
	};
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		SF_INFO info = { .samplerate = (int)w[i].rate, .channels = 1, .format = w[i].format };
		char *path = at("%s", w[i].name);
		SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
		float x[16000];
		int k;
		free(path);
		if (!ok(sf != NULL, "%s: libsndfile writes it", w[i].name))
			continue;
		for (k = 0; k < 16000; k++)
			x[k] = 0.5f * sinf(2 * (float)M_PI * 440 * k / 16000);
		sf_writef_float(sf, x, 16000);
		sf_close(sf);
		cause = NULL;
		clip = audio_decode_at(dirfd_, w[i].name, &cause);
		if (!ok(clip != NULL, "%s decodes (%s)", w[i].name, cause ? cause : "")) {
			free(cause);
			continue;
		}
		is_str(clip->stats.format, w[i].want, "format name");
		is_near(clip->stats.duration, 1.0, 0.1, "duration about 1 s");
		/* Lossy codecs overshoot at the start: the RMS is the
		 * sine's, the peak need not be. */
		is_near(clip->stats.rms_db, -9.03, 0.5, "RMS about -9 dBFS");
		audio_clip_free(clip);
	}
}

/* What a tap saw: every frame handed to it, in order. */
struct tapped {
	float *x;
	size_t n, cap;
};

static void
tap_keep(const float *frames, size_t n, unsigned channels, unsigned rate, void *arg)
{
	struct tapped *t = arg;

	(void)rate;
	t->x = xgrow(t->x, &t->cap, t->n + n * channels, sizeof *t->x);
	memcpy(t->x + t->n, frames, n * channels * sizeof *frames);
	t->n += n * channels;
}

/* Write frames of nc channels as a WAV file of the given subtype, from
 * shorts or from floats. Returns 0, or -1 when libsndfile would not. */
static int
write_wav(const char *name, int sub, unsigned nc, const short *s, const float *f,
    size_t frames)
{
	SF_INFO info = { .samplerate = 16000, .channels = (int)nc,
	    .format = SF_FORMAT_WAV | sub };
	char *path = at("%s", name);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	sf_count_t put;

	free(path);
	if (sf == NULL)
		return -1;
	put = s != NULL ? sf_writef_short(sf, s, (sf_count_t)frames) :
	    sf_writef_float(sf, f, (sf_count_t)frames);
	sf_close(sf);
	return put == (sf_count_t)frames ? 0 : -1;
}

/* What can go wrong with one clip in test_pcm16, a bit each. */
enum {
	PCM16_WRITE = 1,        /* libsndfile would not write it */
	PCM16_DECODE = 2,       /* either file failed to decode or measure */
	PCM16_SAMPLES = 4,      /* the decoded clip's floats differ */
	PCM16_STATS = 8,        /* the statistics differ */
	PCM16_TAP = 16,         /* the floats handed to a tap differ */
	PCM16_MEM_STATS = 32,   /* the statistics measured in memory differ */
};

/* One clip of frames·nc samples, the extremes every third among others,
 * written as 16-bit and as float WAV files and decoded both ways. Returns
 * the PCM16_ bits of what differed. */
static int
pcm16_case(unsigned nc, size_t frames, uint64_t *seed)
{
	static const short edge[] = { -32768, 32767, 0, 1, -1, -32767, 32766, -2 };
	size_t n = frames * nc, i, la = 0, lb = 0;
	short *s = xmalloc(n * sizeof *s);
	float *f = xmalloc(n * sizeof *f);
	struct tapped ta = { 0 }, tb = { 0 };
	struct audio_clip *a = NULL, *b = NULL;
	struct audio_stats sa, sb;
	char *cause = NULL, *ba = NULL, *bb = NULL, n16[32], nfl[32];
	int bad = 0;

	for (i = 0; i < n; i++) {
		*seed ^= *seed << 13;
		*seed ^= *seed >> 7;
		*seed ^= *seed << 17;
		s[i] = i % 3 == 0 ? edge[(i / 3) % ARRAY_SIZE(edge)] :
		    (short)((int)(*seed % 65536) - 32768);
		f[i] = (float)s[i] / 32768.0f;
	}
	snprintf(n16, sizeof n16, "p16-%u-%zu.wav", nc, frames);
	snprintf(nfl, sizeof nfl, "pfl-%u-%zu.wav", nc, frames);
	if (write_wav(n16, SF_FORMAT_PCM_16, nc, s, NULL, frames) != 0 ||
	    write_wav(nfl, SF_FORMAT_FLOAT, nc, NULL, f, frames) != 0) {
		bad = PCM16_WRITE;
		goto out;
	}

	a = audio_decode_at(dirfd_, n16, &cause);
	b = audio_decode_at(dirfd_, nfl, &cause);
	if (a == NULL || b == NULL || strcmp(a->stats.format, "WAV 16-bit") != 0) {
		bad |= PCM16_DECODE;
	} else {
		if (a->frames != frames || b->frames != frames ||
		    memcmp(a->samples, f, n * sizeof *f) != 0 ||
		    memcmp(b->samples, f, n * sizeof *f) != 0 ||
		    memcmp(a->mono, b->mono, frames * sizeof *a->mono) != 0)
			bad |= PCM16_SAMPLES;
		memcpy(a->stats.format, b->stats.format, sizeof a->stats.format);
		a->stats.encoding = b->stats.encoding;
		if (memcmp(&a->stats, &b->stats, sizeof a->stats) != 0)
			bad |= PCM16_STATS;
	}

	ba = read_bytes(n16, &la);
	bb = read_bytes(nfl, &lb);
	if (ba == NULL || bb == NULL ||
	    audio_measure_mem_tap(ba, la, &sa, tap_keep, &ta) != AUDIO_FAULT_NONE ||
	    audio_measure_mem_tap(bb, lb, &sb, tap_keep, &tb) != AUDIO_FAULT_NONE) {
		bad |= PCM16_DECODE;
	} else {
		if (ta.n != n || tb.n != n || memcmp(ta.x, f, n * sizeof *f) != 0 ||
		    memcmp(tb.x, f, n * sizeof *f) != 0)
			bad |= PCM16_TAP;
		memcpy(sa.format, sb.format, sizeof sa.format);
		sa.encoding = sb.encoding;
		if (memcmp(&sa, &sb, sizeof sa) != 0)
			bad |= PCM16_MEM_STATS;
	}
out:
	audio_clip_free(a);
	audio_clip_free(b);
	free(cause);
	free(ta.x);
	free(tb.x);
	free(ba);
	free(bb);
	free(s);
	free(f);
	return bad;
}

/* 16-bit files are read as shorts and made floats by audio.c's loop of
 * eight lanes; float files take libsndfile's own path. The same samples
 * written both ways, at lengths that leave remainders of eight and of a
 * read (a piece of the memory path, a block of the file path), in one
 * channel and two, must decode to the same bits: s / 32768 to the clip
 * and to a tap, and the same statistics. */
static void
test_pcm16(void)
{
	static const size_t lens[] = { 1, 7, 9, 4097, FILE_READ_FLOATS + 9 };
	static const struct {
		int bit;
		const char *what;
	} checks[] = {
		{ PCM16_WRITE, "both files written" },
		{ PCM16_DECODE, "both decode, from the file and in memory" },
		{ PCM16_SAMPLES, "the clip's samples are s / 32768 to the bit" },
		{ PCM16_STATS, "the statistics are the float file's" },
		{ PCM16_TAP, "the tap sees s / 32768 to the bit" },
		{ PCM16_MEM_STATS, "in memory, the statistics are the float file's" },
	};
	char first[ARRAY_SIZE(checks)][32];
	uint64_t seed = 2463534242ull;
	int bad, any = 0;
	unsigned nc;
	size_t i, k;

	memset(first, 0, sizeof first);
	for (nc = 1; nc <= 2; nc++) {
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			bad = pcm16_case(nc, lens[i], &seed);
			any |= bad;
			for (k = 0; k < ARRAY_SIZE(checks); k++)
				if ((bad & checks[k].bit) && first[k][0] == '\0')
					snprintf(first[k], sizeof first[k], "%u channel(s), "
					    "%zu frames", nc, lens[i]);
		}
	}
	for (k = 0; k < ARRAY_SIZE(checks); k++)
		ok(!(any & checks[k].bit), "16-bit WAV against float: %s%s%s%s",
		    checks[k].what, first[k][0] ? " (not with " : "", first[k],
		    first[k][0] ? ")" : "");
}

static void
test_broken(void)
{
	int i;
	FILE *f;

	if (run(": > empty.wav && head -c 44 sine.wav > header.wav && "
	    "head -c 10044 sine.wav > cut.wav && head -c 2000 s.flac > cut.flac && "
	    "head -c 100 s.ogg > cut.ogg && mkdir -p folder.wav && mkfifo fifo.wav"))
		return;
	expect_failure("empty.wav", "empty file (0 bytes)");
	expect_failure("header.wav", "header only");
	expect_failure("cut.wav", "truncated: 0.31 s of the 1.00 s");
	expect_failure("cut.flac", "truncated");
	expect_failure("cut.ogg", "not audio libsndfile can read");
	expect_failure("folder.wav", "not a regular file");
	alarm(20);      /* a FIFO named like a clip must not hang a worker */
	expect_failure("fifo.wav", "not a regular file");
	alarm(0);
	expect_failure("missing.wav", "cannot open");
	expect_failure("../escape.wav", "leads outside");

	/* Garbage, and garbage behind a plausible RIFF header. */
	f = fopen("/dev/urandom", "rb");
	if (f != NULL) {
		unsigned char junk[4096];
		size_t n = fread(junk, 1, sizeof junk, f);
		fclose(f);
		for (i = 0; i < 2; i++) {
			char *path = at("%s", i ? "riff.wav" : "junk.wav");
			FILE *o = fopen(path, "wb");
			if (i)
				memcpy(junk, "RIFF\x10\x00\x00\x00WAVEfmt ", 16);
			fwrite(junk, 1, n, o);
			fclose(o);
			free(path);
		}
		/* An MPEG frame header, then junk. */
		memcpy(junk, "\xff\xfb\x90\x00", 4);
		char *path = at("junk.mp3");
		FILE *o = fopen(path, "wb");
		fwrite(junk, 1, n, o);
		fclose(o);
		free(path);
		expect_failure("junk.wav", "not audio libsndfile can read");
		expect_failure("junk.mp3", "not audio libsndfile can read");
		expect_failure("riff.wav", "not audio libsndfile can read");
	}
}

static void
test_samples(void)
{
	struct audio_stats st;
	float x[6] = { 0.5f, -1.0f, 1.0f, 1.0f, 0.25f, 1.0f };

	/* Interleaved stereo: left 0.5, 1, 0.25; right -1, 1, 1. */
	audio_measure_samples(x, 3, 2, 3, 2, &st);
	is_near(st.peak, 1.0, 0, "samples: peak over both channels");
	is_near(st.rms, sqrt((0.25 + 1 + 1 + 1 + 0.0625 + 1) / 6), 1e-6, "samples: RMS over every sample");
	is_int(st.clip_runs, 1, "samples: one run of two on the right (the jump from -1 is a new run)");
	is_int(st.clipped, 2, "samples: two clipped samples");
	is_int(st.loudest_frames, 3, "samples: loudest section is the whole (short) clip");
}

static int
cmp_floats(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

/* The DC offset is the median of the 10 ms windows' means and its wander
 * the median distance from it: as sorting all the means gives them, for
 * odd and even counts, one window and many, and means that tie often. */
static void
test_medians(void)
{
	static const size_t counts[] = { 1, 2, 3, 4, 5, 8, 9, 100, 101, 256, 257, 300 };
	uint64_t seed = 2463534242ull;
	size_t c, same = 0;

	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		size_t w = counts[c], i;
		float *x = xmalloc(w * 10 * sizeof *x), *mean = xmalloc(w * sizeof *mean);
		struct audio_stats st;
		double dc, wander;

		for (i = 0; i < w; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			mean[i] = (float)((int)(seed % 7) - 3) / 8.0f;
			for (size_t k = 0; k < 10; k++)
				x[i * 10 + k] = mean[i];
		}
		/* 1000 Hz: ten samples a window */
		audio_measure_samples(x, w * 10, 1, 1000, 3, &st);
		qsort(mean, w, sizeof *mean, cmp_floats);
		dc = w % 2 ? mean[w / 2] : ((double)mean[w / 2 - 1] + mean[w / 2]) / 2;
		for (i = 0; i < w; i++)
			mean[i] = fabsf(mean[i] - (float)dc);
		qsort(mean, w, sizeof *mean, cmp_floats);
		wander = w % 2 ? mean[w / 2] : ((double)mean[w / 2 - 1] + mean[w / 2]) / 2;
		same += st.dc == (float)dc && st.dc_wander == (float)wander;
		free(x);
		free(mean);
	}
	is_int(same, ARRAY_SIZE(counts), "DC offset and wander: the medians of the window means");
}

/* ln |x| of 16-bit samples is looked up eight at a time where the
 * processor has AVX2, and worked out for any other value: the statistics
 * come out the same bits as the loop of four lanes alone gives, for a
 * clip of 16-bit values, one of floats, and one that mixes them in every
 * group of eight, at lengths that leave every remainder. */
static void
test_lanes(void)
{
	enum { N = 16000 };
	float *x = xmalloc((N + 13) * sizeof *x);
	struct audio_stats eight, four;
	uint64_t seed = 88172645463325252ull;
	int kind, same = 1;
	size_t i, len;

	for (kind = 0; kind < 3; kind++) {
		for (i = 0; i < N + 13; i++) {
			double v;
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			v = sin(i * 0.05) * 0.6 + (double)(seed % 2001) / 20000.0 - 0.05;
			x[i] = kind == 0 || (kind == 2 && i % 11 != 0) ?
			    (float)lrint(v * 32768) / 32768.0f : (float)v;
		}
		for (len = N; len < N + 13; len += 3) {
			audio_meter_four_lanes = 0;
			audio_measure_samples(x, len, 1, 16000, 3, &eight);
			audio_meter_four_lanes = 1;
			audio_measure_samples(x, len, 1, 16000, 3, &four);
			audio_meter_four_lanes = 0;
			if (memcmp(&eight.abs_log_gap, &four.abs_log_gap, sizeof eight.abs_log_gap) != 0 ||
			    eight.rms != four.rms || eight.dc != four.dc || !(eight.abs_log_gap > 0))
				same = 0;
		}
	}
	ok(same, "ln |x| eight samples at a time: the same bits as four (16-bit, floats, mixed)");
	free(x);
}

/* A 1000 Hz sine at half scale, 16 kHz: 512-point frames, bin 32 is
 * exactly 1000 Hz and reads -6.02 dB; bins far from it are dark. */
static void
test_spectrum(void)
{
	float x[16000], grid[20 * 10];
	struct spectrogram *s;
	unsigned b, best = 0, row = 0, r;
	double lo, hi;
	int k;

	for (k = 0; k < 16000; k++)
		x[k] = 0.5f * (float)sin(2 * M_PI * 1000 * k / 16000.0);
	s = spectrogram_compute(x, 16000, 16000);
	is_int(s->fft, 512, "spectrum: 512-point FFT at 16 kHz");
	is_int(s->window, 400, "spectrum: 25 ms window");
	is_int(s->hop, 160, "spectrum: 10 ms hop");
	is_int(s->frames, 99, "spectrum: 99 frames in 1 s");
	for (b = 0; b < s->bins; b++)
		if (s->db[50 * s->bins + b] > s->db[50 * s->bins + best])
			best = b;
	is_int(best, 32, "spectrum: the peak is in the 1000 Hz bin");
	is_near(spectrogram_bin_hz(s, best), 1000, 0, "spectrum: bin 32 is 1000 Hz");
	is_near(s->db[50 * s->bins + 32], -6.02, 0.05, "spectrum: peak reads -6.02 dB");
	is_near(s->max_db, -6.02, 0.05, "spectrum: the loudest cell");
	ok(s->db[50 * s->bins + 100] < -60, "spectrum: 3125 Hz is dark (%.1f dB)",
	    s->db[50 * s->bins + 100]);

	spectrogram_grid(s, 10, 20, grid);
	for (r = 0; r < 20; r++)
		if (grid[r * 10 + 5] > grid[row * 10 + 5])
			row = r;
	spectrogram_row_hz(s, row, 20, &lo, &hi);
	ok(lo <= 1000 && 1000 < hi + 16000.0 / 512 / 2,
	    "spectrum: the grid's brightest row holds 1000 Hz (%.0f-%.0f Hz)", lo, hi);
	spectrogram_row_hz(s, 0, 20, &lo, &hi);
	is_near(hi, 8000, 1e-6, "spectrum: the top row ends at 8 kHz");
	spectrogram_free(s);

	s = spectrogram_compute(x, 100, 16000);
	is_int(s->frames, 1, "spectrum: a clip shorter than a frame gets one frame");
	spectrogram_free(s);
}

/* The frames' power, taken from a complex transform of half the size,
 * against the DFT of each windowed frame summed in double precision: at
 * rates whose frames are 2 (80 Hz), 8, 256 and 2048 points, every bin up
 * to rate / 2, to 1e-4 of the frame's largest. */
static void
test_spectrum_power(void)
{
	static const unsigned rates[] = { 80, 320, 8000, 44100 };
	size_t n = 3000, i;
	float *x = xmalloc(n * sizeof *x);
	unsigned r;

	for (i = 0; i < n; i++)
		x[i] = (float)(0.4 * sin(i * 0.31) + 0.2 * cos(i * 1.7 + 0.5)) +
		    (float)((i * 7919) % 101) / 1000.0f;
	for (r = 0; r < ARRAY_SIZE(rates); r++) {
		struct spectrogram *s = spectrogram_power(x, n, rates[r], rates[r] / 2.0);
		double worst = 0, gain = 0;
		size_t f, k;
		unsigned b;

		for (k = 0; k < s->window; k++)
			gain += 0.5f - 0.5f * cosf(2 * (float)M_PI * k / s->window);
		for (f = 0; f < s->frames; f++) {
			double want[2049], top = 0;
			for (b = 0; b < s->power_bins; b++) {
				double re = 0, im = 0;
				for (k = 0; k < s->window && f * s->hop + k < n; k++) {
					double w = 0.5f - 0.5f * cosf(2 * (float)M_PI * k / s->window);
					double v = x[f * s->hop + k] * w, a = 2 * M_PI * b * k / s->fft;
					re += v * cos(a);
					im -= v * sin(a);
				}
				want[b] = (re * re + im * im) * (2 / gain) * (2 / gain);
				if (want[b] > top)
					top = want[b];
			}
			for (b = 0; b < s->power_bins; b++) {
				double off = fabs(spectrogram_power_at(s, f, b) - want[b]) / top;
				if (off > worst)
					worst = off;
			}
		}
		ok(s->power_bins == s->fft / 2 + 1, "spectrum power at %u Hz: every bin",
		    rates[r]);
		ok(worst < 1e-4, "spectrum power at %u Hz (%u points): the DFT's to %.1g",
		    rates[r], s->fft, worst);
		spectrogram_free(s);
	}
	free(x);
}

/* The frames' plans carried for FFTW 3.3.10 are taken where that FFTW
 * runs on a processor with AVX (else they are estimated: a slower plan,
 * not a wrong one). */
static void
test_spectrum_wisdom(void)
{
	int here = strstr(fftwf_version, "fftw-3.3.10") != NULL;
#if defined(__x86_64__)
	__builtin_cpu_init();
	here = here && __builtin_cpu_supports("avx");
#else
	here = 0;
#endif
	if (here)
		ok(spectrum_wisdom_taken() == 1, "spectrum: FFTW takes the plans carried for it");
	else
		ok(1, "spectrum: # skip not FFTW 3.3.10 with AVX (%s)", fftwf_version);
}

struct spectrum_job {
	const float *x;
	size_t n;
	unsigned rate;
	struct spectrogram *s;
};

static void *
spectrum_thread(void *arg)
{
	struct spectrum_job *j = arg;
	j->s = spectrogram_compute(j->x, j->n, j->rate);
	return NULL;
}

/* Threads planning different sizes at once get what one thread gets. */
static void
test_spectrum_threads(void)
{
	static const unsigned rates[] = { 8000, 22050, 44100, 96000, 11025, 32000,
	    24000, 12000, 16000, 48000 };
	struct spectrum_job j[ARRAY_SIZE(rates)];
	pthread_t t[ARRAY_SIZE(rates)];
	size_t n = 200000, i, same = 0;
	float *x = xmalloc(n * sizeof *x);
	struct spectrogram *one;

	for (i = 0; i < n; i++)
		x[i] = (float)sin(i * 0.05) * 0.3f + (float)((i * 7919) % 101) / 500.0f;
	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		j[i] = (struct spectrum_job){ x, n, rates[i], NULL };
		pthread_create(&t[i], NULL, spectrum_thread, &j[i]);
	}
	for (i = 0; i < ARRAY_SIZE(rates); i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		one = spectrogram_compute(x, n, rates[i]);
		same += one->frames == j[i].s->frames && memcmp(one->db, j[i].s->db,
		    one->frames * one->bins * sizeof *one->db) == 0;
		spectrogram_free(one);
		spectrogram_free(j[i].s);
	}
	is_int(same, ARRAY_SIZE(rates), "spectrum: threads agree with one thread");

	/* 100 s at 16 kHz: the hop grows to keep the frames on screen. */
	x = xrealloc(x, 1600000 * sizeof *x);
	memset(x, 0, 1600000 * sizeof *x);
	one = spectrogram_compute(x, 1600000, 16000);
	ok(one->frames <= SPECTRUM_MAX_FRAMES && one->frames > SPECTRUM_MAX_FRAMES - 10,
	    "spectrum: a long clip keeps %zu frames", one->frames);
	ok(one->db[one->bins * 7 + 3] == SPECTRUM_FLOOR_DB, "spectrum: silence is the floor");
	spectrogram_free(one);
	free(x);
}

/* Run a whole clip through a resampler in blocks of `block` frames. */
static size_t
resample_all(const float *x, size_t n, unsigned nc, unsigned from, unsigned to,
    size_t block, float *out)
{
	struct audio_resampler *rs = audio_resampler_new(nc, from, to);
	size_t i, k, made = 0;

	for (i = 0; i < n; i += k) {
		k = n - i < block ? n - i : block;
		made += audio_resample(rs, x + i * nc, k, out + made * nc);
	}
	made += audio_resample(rs, NULL, 0, out + made * nc);
	audio_resampler_free(rs);
	return made;
}

static void
test_resample(void)
{
	size_t n = 16000, i, made, bad;
	float *x = xmalloc(n * 2 * sizeof *x), *y = xmalloc(n * 4 * sizeof *y),
	    *z = xmalloc(n * 4 * sizeof *z);
	double err = 0;

	for (i = 0; i < n; i++)
		x[i] = 0.5f * (float)sin(2 * M_PI * 440 * i / 16000.0);

	made = resample_all(x, n, 1, 16000, 16000, 1000, y);
	ok(made == n && memcmp(x, y, n * sizeof *x) == 0, "resample: equal rates copy");

	made = resample_all(x, n, 1, 16000, 48000, 1000, y);
	is_int(made, 48000, "resample: 16 -> 48 kHz makes 3 frames a frame");
	for (i = 0, bad = 0; i < n; i++)
		bad += y[3 * i] != x[i];
	is_int(bad, 0, "resample: every third frame is an input frame");
	/* The last two frames lie past the last input frame: held, not
	 * interpolated. */
	for (i = 0; i < made - 2; i++)
		err = fmax(err, fabs(y[i] - 0.5 * sin(2 * M_PI * 440 * i / 48000.0)));
	/* Linear interpolation of a 440 Hz sine sampled at 16 kHz errs by
	 * at most A·(2π·440/16000)²/8 ≈ 0.0037. */
	ok(err < 0.004, "resample: close to the sine at 48 kHz (error %.4f)", err);
	made = resample_all(x, n, 1, 16000, 48000, 7, z);
	ok(made == 48000 && memcmp(y, z, made * sizeof *y) == 0,
	    "resample: blocks of 7 frames give what blocks of 1000 give");

	made = resample_all(x, n, 1, 48000, 16000, 1024, y);
	is_int(made, 5334, "resample: 48 -> 16 kHz keeps ceil(n/3) frames");
	for (i = 0, bad = 0; i < made; i++)
		bad += y[i] != x[3 * i];
	is_int(bad, 0, "resample: 48 -> 16 kHz keeps every third frame");

	for (i = 0; i < n; i++) {
		x[2 * i] = 0.25f;
		x[2 * i + 1] = -0.75f;
	}
	made = resample_all(x, n, 2, 44100, 48000, 512, y);
	is_int(made, (16000 * 48000 + 44099) / 44100, "resample: 44.1 -> 48 kHz frame count");
	for (i = 0, bad = 0; i < made; i++)
		bad += y[2 * i] != 0.25f || y[2 * i + 1] != -0.75f;
	is_int(bad, 0, "resample: stereo channels stay apart");
	free(x);
	free(y);
	free(z);
}

/* The character, attributes and colour pair of a cell. */
static wchar_t
cell_at(WINDOW *w, int y, int x, attr_t *attr, int *pair)
{
	wchar_t wch[CCHARW_MAX + 1] = { 0 };
	cchar_t cc;
	short spair;

	mvwin_wch(w, y, x, &cc);
	*pair = 0;
	getcchar(&cc, wch, attr, &spair, pair);
	return wch[0];
}

/* Draw the burst fixture and a sine into a real curses window (on a
 * terminal that goes to /dev/null) and read the cells back. */
static void
test_view(void)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	struct app app;
	struct audio_view *v;
	SCREEN *scr;
	WINDOW *w;
	char *cause = NULL, *line, got[128];
	int x, y, pair, loud_pair, quiet_blank = 1, burst_ink = 1, in_band = 1, out_band = 1;
	int brightest = -1;
	attr_t attr;
	wchar_t ch;

	setlocale(LC_ALL, "C.UTF-8");
	scr = newterm("xterm-256color", out, in);
	if (!ok(scr != NULL, "view: a curses terminal"))
		return;
	start_color();
	use_default_colors();
	memset(&app, 0, sizeof app);
	app.colours = 256;
	app.utf8 = 1;
	w = newwin(12, 66, 0, 0);

	/* burst.wav: 3.3 s, the square wave from 1.3 s to 2.3 s. 66 columns:
	 * 0.05 s a column, the burst in columns 26-45. */
	v = audio_view_load(dirfd_, "burst.wav", &cause);
	if (!ok(v != NULL, "view: burst loads"))
		goto out;
	audio_view_draw(&app, w, 0, 0, 12, 66, v, AUDIO_VIEW_WAVEFORM, 0.5);
	loud_pair = ui_pair(&app, 229, 236);
	for (x = 0; x < 66; x++) {
		int loud = x >= 26 && x <= 45;
		for (y = 0; y < 11; y++) {
			ch = cell_at(w, y, x, &attr, &pair);
			if (x == 33)
				continue;
			/* ±0.5 spans the middle half of the 11 rows. */
			if (loud && y >= 3 && y <= 7 && (ch <= 0x2800 || ch > 0x28ff))
				burst_ink = 0;
			if (loud && (y < 2 || y > 8) && ch != ' ')
				burst_ink = 0;
			if (!loud && (y < 3 || y > 7) && ch != ' ')
				quiet_blank = 0;
			if (loud && pair != loud_pair)
				in_band = 0;
			if (!loud && pair == loud_pair)
				out_band = 0;
		}
	}
	ok(burst_ink, "view: braille fills the burst's columns from -0.5 to 0.5");
	ok(quiet_blank, "view: the quiet parts stay near the middle line");
	ok(in_band && out_band, "view: the loudest second, and only it, is highlighted");
	cell_at(w, 0, 33, &attr, &pair);
	ok(attr & A_REVERSE, "view: the cursor at half the clip is column 33");
	mvwinnstr(w, 11, 0, got, 66);
	line = audio_describe(&audio_view_clip(v)->stats);
	ok(strncmp(got, line, strlen(line)) == 0, "view: the info line (%s)", got);
	free(line);
	audio_view_free(v);

	/* The sine's spectrogram without colour: shades, the 1000 Hz band
	 * the darkest shade (█), the top of the picture blank. */
	app.colours = 0;
	v = audio_view_load(dirfd_, "sine.wav", &cause);
	if (!ok(v != NULL, "view: sine loads"))
		goto out;
	werase(w);
	audio_view_draw(&app, w, 0, 0, 12, 66, v, AUDIO_VIEW_SPECTROGRAM, -1);
	for (y = 0; y < 11; y++) {
		ch = cell_at(w, y, 30, &attr, &pair);
		if (ch == 0x2588 && brightest < 0)
			brightest = y;
	}
	{
		double lo, hi;
		spectrogram_row_hz(&(struct spectrogram){ .rate = 16000 }, (unsigned)brightest,
		    11, &lo, &hi);
		ok(brightest >= 0 && lo <= 1000 && 1000 <= hi,
		    "view: the full shade is in the row of 1000 Hz (row %d)", brightest);
	}
	ch = cell_at(w, 0, 30, &attr, &pair);
	ok(ch == ' ', "view: 8 kHz is blank");

	/* ASCII and no colour: the waveform in plain characters. */
	app.utf8 = 0;
	werase(w);
	audio_view_draw(&app, w, 0, 0, 12, 66, v, AUDIO_VIEW_WAVEFORM, -1);
	ch = cell_at(w, 5, 10, &attr, &pair);
	ok(ch == '|' && pair == 0, "view: ASCII waveform");
	audio_view_free(v);
out:
	free(cause);
	delwin(w);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

int
main(void)
{
	testfs_init("audio");
	if ((dirfd_ = open(tmpdir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror(tmpdir);
		return 1;
	}
	if (system("sox --version >/dev/null 2>&1") != 0) {
		printf("# sox is not installed\n");
		return 77;
	}
	test_sine();
	test_silence();
	test_clipped();
	test_loudest();
	test_formats();
	test_pcm16();
	test_broken();
	test_samples();
	test_lanes();
	test_medians();
	test_spectrum();
	test_spectrum_power();
	test_spectrum_wisdom();
	test_spectrum_threads();
	test_resample();
	test_view();
	close(dirfd_);
	return testfs_done();
}
