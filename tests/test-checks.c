/* test-checks.c — the checks' logic: thresholds, shards, measuring bytes
 * (levels, clipping, edges, broken files; to the bit as audio.c measures a
 * file), the judges over made-up measures (dataset-relative thresholds at
 * their boundaries, groups of identical content, speakers across splits,
 * imbalance), and partial files that read back to the same bits. */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "audio.h"
#include "checks.h"
#include "dataset.h"
#include "settings.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

/* A WAV at 16 kHz of `channels` channels in `format` (SF_FORMAT_PCM_16,
 * ...) holding frames * channels samples from fn (interleaved index);
 * returns its bytes (the caller frees) and their number. */
static char *
wav_as(const char *name, int channels, int format, size_t frames,
    float (*fn)(size_t), size_t *len)
{
	SF_INFO info = { .samplerate = 16000, .channels = channels,
	    .format = SF_FORMAT_WAV | format };
	char *path = at("%s", name), *bytes;
	size_t i, n = frames * (size_t)channels;
	float *x = xmalloc((n ? n : 1) * sizeof *x);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (sf == NULL)
		die("cannot write %s", path);
	/* Float files keep what they are given, NaN and overs included. */
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	for (i = 0; i < n; i++)
		x[i] = fn(i);
	sf_writef_float(sf, x, (sf_count_t)frames);
	sf_close(sf);
	bytes = read_file(path, len, NULL);
	free(x);
	free(path);
	return bytes;
}

/* A 16-bit mono WAV. */
static char *
wav(const char *name, size_t frames, float (*fn)(size_t), size_t *len)
{
	return wav_as(name, 1, SF_FORMAT_PCM_16, frames, fn, len);
}

static float half_sine(size_t i) { return 0.5f * sinf((float)i * 0.0785398f); }
static float zero(size_t i) { (void)i; return 0; }
static float rails(size_t i) { return (i / 8) % 2 ? 1.0f : -1.0f; }
/* A word cut at the start: loud for 0.3 s, then silence. */
static float cut_word(size_t i) { return i < 4800 ? 0.5f * sinf((float)i * 0.2f) : 0; }
/* Steady noise-like signal: no quiet part, so no edge is "cut". */
/* Stereo: a half-scale sine on the left, rail to rail on the right. */
static float stereo(size_t i) { return i % 2 ? rails(i / 2) : half_sine(i / 2); }
/* Float samples with a NaN and an infinity among them. */
static float poisoned(size_t i) { return i == 100 ? NAN : i == 200 ? INFINITY : half_sine(i); }
/* Silence with a loud end: 100 frames at 0.5 over 4,100 (past one read). */
static float loud_end(size_t i) { return i >= 4000 ? 0.5f : 0; }
static float steady(size_t i) { return 0.3f * sinf((float)i * 0.37f) * sinf((float)i * 0.011f + 1); }
/* Three channels: steady, bursts rail to rail, a half-scale sine. */
static float
three(size_t i)
{
	size_t f = i / 3;
	switch (i % 3) {
	case 0: return steady(f);
	case 1: return (f / 5000) % 2 ? rails(f) : 0.1f * half_sine(f);
	default: return half_sine(f);
	}
}

static void
test_thresholds(void)
{
	struct thresholds t = { 0 };
	char *cause = NULL;

	thresholds_init(&t);
	is_near(t.v[TH_QUIET], -30, 0, "quiet defaults to -30 dB");
	is_near(t.v[TH_TRUNCATED], 0.8, 0, "truncated defaults to 0.8");
	is_str(threshold_name(TH_IMBALANCE), "imbalance", "names");
	ok(threshold_name(TH_COUNT) == NULL, "no name past the end");

	ok(thresholds_set(&t, "quiet=-40", &cause) == 0, "quiet=-40");
	is_near(t.v[TH_QUIET], -40, 0, "... is set");
	thresholds_init(&t);
	is_near(t.v[TH_QUIET], -40, 0, "... and kept by a later init");
	ok(thresholds_set(&t, "quiet", &cause) != 0 && strstr(cause, "NAME=VALUE"),
	    "no '=': refused");
	free(cause);
	cause = NULL;
	ok(thresholds_set(&t, "quie=1", &cause) != 0 && strstr(cause, "no such threshold"),
	    "unknown name: refused");
	free(cause);
	cause = NULL;
	ok(thresholds_set(&t, "tiny=", &cause) != 0, "empty value: refused");
	free(cause);
	cause = NULL;
	ok(thresholds_set(&t, "tiny=1x", &cause) != 0, "trailing junk: refused");
	free(cause);
	cause = NULL;
	ok(thresholds_set(&t, "tiny=inf", &cause) != 0, "infinity: refused");
	free(cause);
	cause = NULL;
	is_near(t.v[TH_TINY], 0.25, 0, "refused values change nothing");
}

static void
test_shards(void)
{
	char path[32];
	unsigned n, k, in, total_ok = 1;
	int i;
	for (n = 1; n <= 7; n++)
		for (i = 0; i < 500; i++) {
			snprintf(path, sizeof path, "label/%d_nohash_0.wav", i);
			for (k = 1, in = 0; k <= n; k++)
				in += checks_in_shard(path, k, n) != 0;
			if (in != 1)
				total_ok = 0;
		}
	ok(total_ok, "every path is in exactly one shard of N, N = 1..7");
	ok(checks_in_shard("x", 1, 0), "no sharding: every path");
	for (i = 0, in = 0; i < 3000; i++) {
		snprintf(path, sizeof path, "l/%d.wav", i);
		in += checks_in_shard(path, 2, 3) != 0;
	}
	ok(in > 800 && in < 1200, "a shard of 3 gets about a third (%u of 3000)", in);
}

static void
test_measure_bytes(void)
{
	struct measure m;
	size_t len;
	char *b;

	measure_bytes("", 0, FMT_WAV, &m);
	is_int(m.state, MEASURE_EMPTY, "zero bytes named .wav: empty");
	measure_bytes("", 0, FMT_TEXT, &m);
	is_int(m.state, MEASURE_OK, "zero bytes named .txt: fine");
	measure_bytes("\001\002garbage\377\376", 11, FMT_PNG, &m);
	is_int(m.state, MEASURE_UNKNOWN_BYTES, "garbage named .png: unknown bytes");
	{
		static const char lfs[] = "version https://git-lfs.github.com/spec/v1\n"
		    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
		    "size 32044\n";
		measure_bytes(lfs, sizeof lfs - 1, FMT_WAV, &m);
		is_int(m.state, MEASURE_LFS_POINTER, "a Git LFS pointer named .wav");
		measure_bytes(lfs, sizeof lfs - 1, FMT_TEXT, &m);
		is_int(m.state, MEASURE_OK, "... named .txt it is just text");
	}
	measure_bytes("<html>Not found</html>\n", 23, FMT_WAV, &m);
	ok(m.state == MEASURE_UNKNOWN_BYTES && m.format == FMT_TEXT,
	    "an error page named .wav: text bytes");

	b = wav("sine.wav", 16000, half_sine, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	is_int(m.state, MEASURE_OK, "sine: measured");
	is_near(m.duration, 1.0, 1e-6, "sine: 1 s");
	is_near(m.peak_db, -6.02, 0.01, "sine: peak -6.02 dBFS");
	is_near(m.rms_db, -9.03, 0.02, "sine: RMS 3 dB under its peak");
	is_near(m.clipped, 0, 0, "sine: no clipping");
	is_int(m.size, len, "size is the byte count");
	{
		struct measure again;
		measure_bytes(b, len, FMT_WAV, &again);
		ok(again.hash_lo == m.hash_lo && again.hash_hi == m.hash_hi,
		    "the same bytes, the same hash");
		b[len - 1] ^= 1;
		measure_bytes(b, len, FMT_WAV, &again);
		ok(again.hash_lo != m.hash_lo || again.hash_hi != m.hash_hi,
		    "one bit changed, another hash");
	}
	measure_bytes(b, 44, FMT_WAV, &m);
	is_int(m.state, MEASURE_NO_FRAMES, "header only");
	is_near(m.declared, 1.0, 1e-6, "... declaring 1 s");
	measure_bytes(b, 44 + 2 * 4000, FMT_WAV, &m);
	is_int(m.state, MEASURE_CUT_SHORT, "cut after 0.25 s: cut short");
	is_near(m.duration, 0.25, 1e-6, "... 0.25 s decoded");
	is_near(m.declared, 1.0, 1e-6, "... of 1 s declared");
	free(b);

	b = wav("zero.wav", 16000, zero, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	ok(m.state == MEASURE_OK && isinf(m.peak_db) && m.peak_db < 0,
	    "digital silence: peak -inf");
	free(b);

	b = wav("rails.wav", 1600, rails, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	is_near(m.clipped, 100, 1e-3, "rail to rail in runs of 8: all clipped");
	free(b);

	b = wav("cut.wav", 16000, cut_word, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	ok(m.head_db > m.loud_db - 3, "cut word: the first 10 ms are near the loudest");
	ok(isinf(m.still_db) && isinf(m.tail_db), "... and it ends in silence");
	free(b);

	b = wav_as("stereo.wav", 2, SF_FORMAT_PCM_16, 1600, stereo, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	is_near(m.clipped, 50, 1e-3, "stereo: one channel clipped is half the samples");
	is_near(m.peak_db, 0, 0.01, "stereo: the peak over both channels");
	free(b);

	b = wav_as("float.wav", 1, SF_FORMAT_FLOAT, 16000, poisoned, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	ok(m.state == MEASURE_OK && isfinite(m.rms_db) && isfinite(m.peak_db),
	    "a float file's NaN and infinity do not poison the levels");
	is_near(m.peak_db, -6.02, 0.01, "... the peak is the sine's");
	free(b);

	b = wav("loud-end.wav", 4100, loud_end, &len);
	measure_bytes(b, len, FMT_WAV, &m);
	/* The last 160 frames: 60 silent, 100 at 0.5 → 0.25 · 100/160. */
	is_near(m.tail_db, 10 * log10(0.25 * 100 / 160), 0.01,
	    "the last 10 ms span two reads");
	ok(isinf(m.head_db), "... and the first 10 ms are silent");
	free(b);

	b = wav("flac-named.wav", 100, half_sine, &len);
	measure_bytes(b, len, FMT_FLAC, &m);
	is_int(m.format, FMT_WAV, "the format comes from the bytes, not the name");
	free(b);
}

/* measure_bytes measures audio with audio.c's code: the same numbers to
 * the bit as audio_measure_at (the preview's) on the same file, whatever
 * the reads (a file is read in larger blocks, across the short windows). */
static void
test_same_as_file(void)
{
	static const struct {
		const char *name;
		int channels, format;
		size_t frames;
		float (*fn)(size_t);
	} clips[] = {
		{ "same-sine.wav", 1, SF_FORMAT_PCM_16, 16000, half_sine },
		{ "same-cut.wav", 1, SF_FORMAT_PCM_24, 16000, cut_word },
		{ "same-stereo.wav", 2, SF_FORMAT_PCM_16, 50000, stereo },
		{ "same-three.wav", 3, SF_FORMAT_PCM_16, 100000, three },
		{ "same-float.wav", 1, SF_FORMAT_FLOAT, 70001, poisoned },
	};
	int dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	struct audio_stats st;
	struct measure m;
	char *b, *cause = NULL;
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(clips); i++) {
		b = wav_as(clips[i].name, clips[i].channels, clips[i].format, clips[i].frames,
		    clips[i].fn, &len);
		measure_bytes(b, len, FMT_WAV, &m);
		free(b);
		if (!ok(audio_measure_at(dirfd, clips[i].name, 0, &st, &cause) == 0 &&
		    m.state == MEASURE_OK, "%s: measured from memory and from the file",
		    clips[i].name)) {
			fprintf(stderr, "#   %s\n", cause ? cause : "(no cause)");
			free(cause);
			cause = NULL;
			continue;
		}
		ok(m.peak_db == st.peak_db && m.rms_db == st.rms_db &&
		    m.head_db == st.head_db && m.tail_db == st.tail_db &&
		    m.loud_db == st.loud_db && m.still_db == st.still_db &&
		    m.clipped == (float)(100.0 * (double)st.clipped /
		    ((double)st.frames * st.channels)) && m.duration == (float)st.duration,
		    "%s: the same levels, windows and clipping to the bit", clips[i].name);
		if (strcmp(clips[i].name, "same-three.wav") == 0)
			ok(st.clip_runs > 0 && m.clipped > 0, "... clipped in runs (%u)",
			    st.clip_runs);
	}
	close(dirfd);
}

/* ---- the judges over made-up measures ---- */

static struct dataset *ds;
static struct measure *ms;

static long
sample(const char *path)
{
	long i = dataset_find(ds, path);
	if (i < 0)
		die("no sample %s", path);
	return i;
}

static struct measure *
audio(const char *path, float peak, float duration)
{
	struct measure *m = &ms[sample(path)];
	memset(m, 0, sizeof *m);
	m->state = MEASURE_OK;
	m->format = FMT_WAV;
	m->size = 32044;
	m->hash_lo = (uint64_t)sample(path) + 1;
	m->peak_db = peak;
	m->rms_db = peak - 10;
	m->duration = duration;
	m->loud_db = peak - 3;
	m->still_db = -INFINITY;
	m->head_db = m->tail_db = -INFINITY;
	m->clipped = 0;
	m->spread = m->declared = NAN;
	return m;
}

/* Give a sample the content `key` (samples with one key are identical);
 * key 0 gives it back its own. */
static void
content(const char *path, uint64_t key)
{
	struct measure *m = &ms[sample(path)];
	m->hash_hi = key;
	m->hash_lo = key ? 0 : (uint64_t)sample(path) + 1;
}

/* The check names found for a path, space-separated, in check order. */
static const char *
checks_of(const struct findings *f, const char *path)
{
	static char out[256];
	size_t i;
	out[0] = '\0';
	for (i = 0; i < f->n; i++)
		if (strcmp(finding_path(&f->v[i], ds), path) == 0) {
			if (out[0])
				strcat(out, " ");
			strcat(out, check_name(f->v[i].check));
		}
	return out;
}

static const char *
detail_of(const struct findings *f, const char *path, enum check_id check)
{
	size_t i;
	for (i = 0; i < f->n; i++)
		if (f->v[i].check == check && strcmp(finding_path(&f->v[i], ds), path) == 0)
			return f->v[i].detail;
	return "";
}

static void
judge(struct findings *f, struct thresholds *t)
{
	struct check_context ctx = { .ds = ds, .m = ms, .th = t };
	memset(f, 0, sizeof *f);
	ok(checks_judge(&ctx, f, NULL) == 0, "judged");
	findings_sort(f, ds);
}

static void
test_judges(void)
{
	static const char *const words[] = { "yes", "no" };
	struct thresholds t = { 0 };
	struct findings f;
	char *cause = NULL, name[64];
	size_t i, w;

	/* yes: 8 clips, no: 8 clips, little: 2 clips, _noise: 1 */
	for (w = 0; w < 2; w++)
		for (i = 0; i < 8; i++) {
			snprintf(name, sizeof name, "%s/s%zu_nohash_0.wav", words[w], i);
			put(name, "");
		}
	put("little/a.wav", "");
	put("little/b.wav", "");
	put("_noise/n.wav", "");
	put("yes/pic.jpg", "");
	if ((ds = dataset_open(tmpdir, &cause)) == NULL)
		die("%s", cause);
	dataset_find(ds, "");
	ms = xcalloc(ds->nsamples, sizeof *ms);
	thresholds_init(&t);

	for (w = 0; w < 2; w++)
		for (i = 0; i < 8; i++) {
			snprintf(name, sizeof name, "%s/s%zu_nohash_0.wav", words[w], i);
			audio(name, -6, w ? 2.0f : 1.0f);
		}
	audio("little/a.wav", -6, 1.0f);
	audio("little/b.wav", -6, 1.0f);
	audio("_noise/n.wav", -50, 0.1f);
	{
		struct measure *m = &ms[sample("yes/pic.jpg")];
		m->state = MEASURE_OK;
		m->format = FMT_JPEG;
		m->size = 1000;
		m->hash_lo = 999;
		m->width = 64;
		m->height = 48;
		m->spread = 30;
		m->peak_db = m->rms_db = m->duration = NAN;
	}
	judge(&f, &t);
	is_int(f.n, 0, "all clean: no finding (the noise folder has no norm)");
	findings_free(&f);

	/* Boundaries: quiet is strictly below median - 30 dB. */
	audio("yes/s1_nohash_0.wav", -36.0f, 1.0f);
	audio("yes/s2_nohash_0.wav", -36.1f, 1.0f);
	audio("yes/s3_nohash_0.wav", -61, 1.0f);
	audio("yes/s4_nohash_0.wav", -6, 0.8f);
	audio("yes/s5_nohash_0.wav", -6, 0.79f);
	audio("no/s1_nohash_0.wav", -6, 1.59f);
	audio("little/a.wav", -6, 0.5f);
	audio("little/b.wav", -6, 1.0f);
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s1_nohash_0.wav"), "", "peak at median - 30 dB: not quiet");
	is_str(checks_of(&f, "yes/s2_nohash_0.wav"), "quiet", "just under: quiet");
	is_str(detail_of(&f, "yes/s2_nohash_0.wav", CHECK_QUIET),
	    "peak -36.1 dBFS < -36.0 dBFS (median -6.0 dBFS -30 dB)", "quiet's detail");
	is_str(checks_of(&f, "yes/s3_nohash_0.wav"), "silent", "-61 dBFS: silent, not also quiet");
	is_str(checks_of(&f, "yes/s4_nohash_0.wav"), "", "0.8 x the class median: not truncated");
	is_str(checks_of(&f, "yes/s5_nohash_0.wav"), "truncated", "0.79 x: truncated");
	is_str(checks_of(&f, "no/s1_nohash_0.wav"), "truncated",
	    "each class has its own norm (no: 2 s)");
	is_str(detail_of(&f, "no/s1_nohash_0.wav", CHECK_TRUNCATED),
	    "1.59 s < 1.60 s (0.8 x median 2.00 s of no)", "truncated's detail");
	is_str(checks_of(&f, "little/a.wav"), "truncated",
	    "a class of 2 is held to the dataset's median");
	is_str(detail_of(&f, "little/a.wav", CHECK_TRUNCATED),
	    "0.50 s < 0.80 s (0.8 x median 1.00 s of the dataset)", "... and says so");
	findings_free(&f);
	for (w = 1; w <= 5; w++) {
		snprintf(name, sizeof name, "yes/s%zu_nohash_0.wav", w);
		audio(name, -6, 1.0f);
	}
	audio("little/a.wav", -6, 1.5f);
	audio("little/b.wav", -6, 1.5f);

	/* Edges and clipping. */
	{
		struct measure *m = audio("yes/s1_nohash_0.wav", -6, 1.0f);
		m->head_db = m->loud_db - 9.9f;
		m = audio("yes/s2_nohash_0.wav", -6, 1.0f);
		m->tail_db = m->loud_db - 10.1f;
		m = audio("yes/s3_nohash_0.wav", -6, 1.0f);
		m->head_db = m->loud_db;
		m->still_db = m->loud_db - 19;   /* steady: no quiet part */
		m = audio("yes/s4_nohash_0.wav", -6, 1.0f);
		m->clipped = 0.1f;
		m = audio("yes/s5_nohash_0.wav", -6, 1.0f);
		m->clipped = 0.09f;
	}
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s1_nohash_0.wav"), "truncated", "an edge 9.9 dB under the loudest: cut");
	is_str(checks_of(&f, "yes/s2_nohash_0.wav"), "", "10.1 dB under: not cut");
	is_str(checks_of(&f, "yes/s3_nohash_0.wav"), "", "steady sound at the edge: not cut");
	is_str(checks_of(&f, "yes/s4_nohash_0.wav"), "clipped", "0.1% clipped: clipped");
	is_str(checks_of(&f, "yes/s5_nohash_0.wav"), "", "0.09%: not");
	findings_free(&f);
	ok(thresholds_set(&t, "clipped=0", NULL) == 0, "clipped=0");
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s6_nohash_0.wav"), "", "... still needs some clipping");
	findings_free(&f);
	thresholds_set(&t, "clipped=0.1", NULL);
	for (w = 1; w <= 5; w++) {
		snprintf(name, sizeof name, "yes/s%zu_nohash_0.wav", w);
		audio(name, -6, 1.0f);
	}

	/* Identical content: three copies under yes (two are duplicates),
	 * one of them also under no (label-conflict, every copy). */
	content("yes/s2_nohash_0.wav", 7);
	content("yes/s4_nohash_0.wav", 7);
	content("yes/s6_nohash_0.wav", 7);
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s2_nohash_0.wav"), "", "the first copy is kept");
	is_str(checks_of(&f, "yes/s4_nohash_0.wav"), "duplicate", "the second is a duplicate");
	is_str(detail_of(&f, "yes/s6_nohash_0.wav", CHECK_DUPLICATE),
	    "same bytes as yes/s2_nohash_0.wav (3 copies)", "... naming the first");
	findings_free(&f);
	ms[sample("yes/s6_nohash_0.wav")].size = 32046;
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s6_nohash_0.wav"), "", "same hash, other size: not the same");
	findings_free(&f);
	content("no/s3_nohash_0.wav", 7);
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s2_nohash_0.wav"), "label-conflict", "label-conflict: the first copy");
	is_str(checks_of(&f, "yes/s4_nohash_0.wav"), "duplicate label-conflict", "... the second");
	is_str(checks_of(&f, "no/s3_nohash_0.wav"), "label-conflict", "... the other label's");
	is_str(detail_of(&f, "yes/s4_nohash_0.wav", CHECK_LABEL_CONFLICT),
	    "same bytes as no/s3_nohash_0.wav, labelled no (3 copies)", "... naming it");
	findings_free(&f);
	content("yes/s2_nohash_0.wav", 0);
	content("yes/s4_nohash_0.wav", 0);
	content("no/s3_nohash_0.wav", 0);
	ms[sample("yes/s6_nohash_0.wav")].state = MEASURE_EMPTY;
	ms[sample("yes/s7_nohash_0.wav")].state = MEASURE_EMPTY;
	judge(&f, &t);
	is_str(checks_of(&f, "yes/s7_nohash_0.wav"), "unreadable",
	    "empty files are unreadable, not duplicates of each other");
	findings_free(&f);
	audio("yes/s6_nohash_0.wav", -6, 1.0f);
	audio("yes/s7_nohash_0.wav", -6, 1.0f);

	/* Splits: identical content, and speakers. */
	{
		unsigned tr = (unsigned)ds->nsplits, va = tr + 1;
		ds->splits = xrealloc(ds->splits, (ds->nsplits + 2) * sizeof *ds->splits);
		ds->splits[tr] = xstrdup("training");
		ds->splits[va] = xstrdup("validation");
		ds->nsplits += 2;
		for (i = 0; i < ds->nsamples; i++)
			ds->samples[i].split = ds->samples[i].label == LABEL_NONE ?
			    SPLIT_NONE : (uint8_t)tr;
		/* s0 speaks "yes" and "no": one of them in validation */
		ds->samples[sample("no/s0_nohash_0.wav")].split = (uint8_t)va;
		/* the same bytes in training and validation: a tie, both */
		ds->samples[sample("yes/s5_nohash_0.wav")].split = (uint8_t)va;
		content("no/s5_nohash_0.wav", 42);
		content("yes/s5_nohash_0.wav", 42);
	}
	judge(&f, &t);
	is_str(checks_of(&f, "no/s0_nohash_0.wav"), "split-leak", "the speaker's odd one out leaks");
	is_str(detail_of(&f, "no/s0_nohash_0.wav", CHECK_SPLIT_LEAK),
	    "speaker s0 in validation: 1 in training, 1 in validation", "... named with counts");
	is_str(checks_of(&f, "yes/s0_nohash_0.wav"), "split-leak", "1 against 1: both reported");
	is_str(checks_of(&f, "no/s5_nohash_0.wav"), "label-conflict split-leak",
	    "same bytes across splits (and labels)");
	is_str(detail_of(&f, "yes/s5_nohash_0.wav", CHECK_SPLIT_LEAK),
	    "same bytes in validation as no/s5_nohash_0.wav in training",
	    "a content leak says so (and is not also a speaker leak)");
	is_str(checks_of(&f, "yes/s1_nohash_0.wav"), "", "a speaker in one split: fine");
	findings_free(&f);
	ds->samples[sample("no/s1_nohash_0.wav")].split =
	    ds->samples[sample("no/s0_nohash_0.wav")].split;
	ds->samples[sample("no/s0_nohash_0.wav")].split =
	    ds->samples[sample("yes/s0_nohash_0.wav")].split;
	content("no/s5_nohash_0.wav", 4242);

	/* Images. */
	{
		struct measure *m = &ms[sample("yes/pic.jpg")];
		m->spread = 1.9f;
		judge(&f, &t);
		is_str(checks_of(&f, "yes/pic.jpg"), "blank", "spread 1.9: blank");
		findings_free(&f);
		m->spread = 2.0f;
		m->width = 16;
		judge(&f, &t);
		is_str(checks_of(&f, "yes/pic.jpg"), "", "alone it is its own median: not tiny");
		findings_free(&f);
		m->width = 64;
		m->format = FMT_PNG;
		judge(&f, &t);
		is_str(checks_of(&f, "yes/pic.jpg"), "ext-mismatch", "png bytes named .jpg");
		is_str(detail_of(&f, "yes/pic.jpg", CHECK_EXT_MISMATCH),
		    "png content, named as jpeg", "... named both");
		findings_free(&f);
		m->format = FMT_JPEG;
	}

	/* Imbalance: yes 9 (with the picture), no 8, little 2. */
	judge(&f, &t);
	is_int(f.count[CHECK_IMBALANCE], 0, "9 / 2 = 4.5: balanced enough");
	findings_free(&f);
	thresholds_set(&t, "imbalance=4.4", NULL);
	judge(&f, &t);
	is_str(detail_of(&f, ".", CHECK_IMBALANCE),
	    "largest class yes has 9 samples, smallest little 2: ratio 4.5 > 4.4",
	    "imbalance above 4.4, at '.'");
	ok(f.n > 0 && f.v[0].sample == -1, "the dataset-wide finding sorts first");
	findings_free(&f);

	free(ms);
	dataset_free(ds);
}

/* ---- the quality judges over made-up measures ---- */

static struct measure *
clip(const char *path, unsigned rate)
{
	struct measure *m = audio(path, -6, 1.0f);
	m->rate = rate;
	m->channels = 1;
	m->encoding = SF_FORMAT_PCM_16;
	m->dc = m->dc_wander = 0;
	m->snr_db = 50;
	return m;
}

static struct measure *
picture(const char *path, unsigned width)
{
	struct measure *m = &ms[sample(path)];
	memset(m, 0, sizeof *m);
	m->state = MEASURE_OK;
	m->format = FMT_PNG;
	m->size = 5000;
	m->hash_lo = (uint64_t)sample(path) + 1;
	m->width = width;
	m->height = 48;
	m->spread = 40;
	m->luma_lo = 20;
	m->luma_hi = 200;
	m->sharpness = 0.3f;
	m->chroma = 100;
	m->entropy = 7;
	m->peak_db = m->rms_db = m->duration = NAN;
	return m;
}

static void
quality(struct findings *f, const struct thresholds *t)
{
	struct check_context ctx = { .ds = ds, .m = ms, .th = t };
	memset(f, 0, sizeof *f);
	judge_quality(&ctx, f);
	findings_sort(f, ds);
}

static void
test_quality(void)
{
	struct thresholds t = { 0 };
	struct findings f;
	char *cause = NULL, *root = at("q"), name[64];
	size_t i;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "q/word/c%zu.wav", i);
		put(name, "");
		snprintf(name, sizeof name, "q/pic/p%zu.png", i);
		put(name, "");
	}
	if ((ds = dataset_open(root, &cause)) == NULL)
		die("%s", cause);
	ms = xcalloc(ds->nsamples, sizeof *ms);
	thresholds_init(&t);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "word/c%zu.wav", i);
		clip(name, 16000);
		snprintf(name, sizeof name, "pic/p%zu.png", i);
		picture(name, 64);
	}
	quality(&f, &t);
	is_int(f.n, 0, "quality: all clean, no finding");
	findings_free(&f);

	/* format-mismatch: 9 of 10 at 16 kHz is the class's own format ... */
	clip("word/c0.wav", 8000);
	quality(&f, &t);
	is_str(checks_of(&f, "word/c0.wav"), "format-mismatch", "one 8 kHz clip of 10");
	is_str(detail_of(&f, "word/c0.wav", CHECK_FORMAT_MISMATCH),
	    "8000 Hz where 90% of word's audio is 16000 Hz", "... the detail");
	findings_free(&f);
	t.v[TH_FORMAT_SHARE] = 0.95;
	quality(&f, &t);
	is_int(f.n, 0, "... held to 95%, the class has no format of its own");
	findings_free(&f);
	t.v[TH_FORMAT_SHARE] = threshold_default(TH_FORMAT_SHARE);
	/* ... 8 of 10 is mixed material. */
	clip("word/c1.wav", 8000);
	quality(&f, &t);
	is_int(f.n, 0, "two 8 kHz clips of 10: mixed, no mismatch");
	findings_free(&f);
	clip("word/c0.wav", 16000);
	clip("word/c1.wav", 16000);

	/* dc-offset from -40 dBFS on, when steady. */
	clip("word/c2.wav", 16000)->dc = 0.0101f;
	clip("word/c3.wav", 16000)->dc = -0.0099f;
	ms[sample("word/c4.wav")].dc = 0.05f;
	ms[sample("word/c4.wav")].dc_wander = 0.02f;
	quality(&f, &t);
	is_str(checks_of(&f, "word/c2.wav"), "dc-offset", "dc-offset at -39.9 dBFS");
	is_str(checks_of(&f, "word/c3.wav"), "", "none at -40.1 dBFS");
	is_str(checks_of(&f, "word/c4.wav"), "", "none where the windows wander");
	findings_free(&f);
	clip("word/c2.wav", 16000);
	clip("word/c3.wav", 16000);
	clip("word/c4.wav", 16000);

	/* noisy below 10 dB, not a steady tone. */
	clip("word/c5.wav", 16000)->snr_db = 9.9f;
	clip("word/c6.wav", 16000)->snr_db = 10;
	clip("word/c7.wav", 16000)->snr_db = -20;
	ms[sample("word/c7.wav")].rms_db = -12;
	quality(&f, &t);
	is_str(checks_of(&f, "word/c5.wav"), "noisy", "noisy at 9.9 dB");
	is_str(checks_of(&f, "word/c6.wav"), "", "not at 10 dB");
	is_str(checks_of(&f, "word/c7.wav"), "", "a tone (peak 6 dB over RMS) is not noisy");
	findings_free(&f);
	/* In a dataset of dense sound, 15 dB below its median. */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "word/c%zu.wav", i);
		clip(name, 16000)->snr_db = 5;
	}
	ms[sample("word/c8.wav")].snr_db = -9.9f;
	ms[sample("word/c9.wav")].snr_db = -10.1f;
	quality(&f, &t);
	is_str(checks_of(&f, "word/c8.wav"), "", "dense sound: -9.9 dB is its own");
	is_str(checks_of(&f, "word/c9.wav"), "noisy", "... -10.1 dB is noisy");
	findings_free(&f);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "word/c%zu.wav", i);
		clip(name, 16000);
	}

	/* Pictures at their boundaries. */
	picture("pic/p0.png", 64)->luma_hi = 55;
	picture("pic/p1.png", 64)->luma_hi = 57;
	picture("pic/p2.png", 64)->luma_lo = 205;
	picture("pic/p3.png", 64)->sharpness = 0.11f;
	picture("pic/p4.png", 64)->chroma = 5;
	picture("pic/p5.png", 64)->entropy = 2.9f;
	picture("pic/p6.png", 161);
	picture("pic/p7.png", 160);
	picture("pic/p8.png", 64)->sharpness = 0.13f;
	picture("pic/p9.png", 64)->spread = 1;
	ms[sample("pic/p9.png")].luma_hi = 10;
	quality(&f, &t);
	is_str(checks_of(&f, "pic/p0.png"), "dark", "dark below 0.22 of 255");
	is_str(checks_of(&f, "pic/p1.png"), "", "... not above it");
	is_str(checks_of(&f, "pic/p2.png"), "bright", "bright above 0.8 of 255");
	is_str(checks_of(&f, "pic/p3.png"), "blurry", "blurry below 0.4 x the median");
	is_str(checks_of(&f, "pic/p4.png"), "grayscale", "grayscale in a colour dataset");
	is_str(checks_of(&f, "pic/p5.png"), "low-information", "low-information below 3 bits");
	is_str(checks_of(&f, "pic/p6.png"), "odd-aspect", "odd-aspect past 2.5 x the median");
	is_str(checks_of(&f, "pic/p7.png"), "", "... not at 2.5 x");
	is_str(checks_of(&f, "pic/p8.png"), "", "not blurry above 0.4 x the median");
	is_str(checks_of(&f, "pic/p9.png"), "", "a flat picture is blank, not dark");
	findings_free(&f);
	/* Grey pictures where most are grey: the dataset's look. */
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "pic/p%zu.png", i);
		picture(name, 64)->chroma = 0;
	}
	quality(&f, &t);
	is_int(f.count[CHECK_GRAYSCALE], 0, "6 of 10 grey: no grayscale");
	findings_free(&f);

	free(ms);
	dataset_free(ds);
	free(root);
}

/* A run over real files, written as a partial file and read back into
 * another run: every measure the same, bit for bit. */
static void
test_partial(void)
{
	struct check_options opt = { .use_cache = 0 };
	struct checks *a, *b;
	char *cause = NULL, *part = at("part.tsv"), *root = at("p");
	size_t len, i;
	long first;
	FILE *f;
	int same = 1;

	mkdir(root, 0755);
	put("p/yes/.keep", "");
	put("p/no/.keep", "");
	free(wav("p/yes/one.wav", 16000, half_sine, &len));
	free(wav("p/yes/two.wav", 800, cut_word, &len));
	free(wav("p/no/three.wav", 16000, steady, &len));
	put("p/no/empty.wav", "");
	put("p/no/tab\there.wav", "");
	if ((ds = dataset_open(root, &cause)) == NULL)
		die("%s", cause);
	thresholds_init(&opt.th);
	a = checks_new(ds, &opt);
	checks_measure_all(a, 2, NULL, NULL);
	is_int(checks_done(a), ds->nsamples, "every sample measured");
	f = fopen(part, "w");
	ok(checks_write_partial(a, f, &cause) == 0, "partial written");
	fclose(f);
	b = checks_new(ds, &opt);
	is_int(checks_unmeasured(b, &first), ds->nsamples, "a new run has nothing");
	ok(checks_read_partials(b, &part, 1, &cause) == 0, "partial read back");
	is_int(checks_unmeasured(b, &first), 0, "... covering every sample");
	for (i = 0; i < ds->nsamples; i++) {
		struct measure x = checks_measures(a)[i], y = checks_measures(b)[i];
		x.mtime_ns = y.mtime_ns = 0;
		if (memcmp(&x, &y, sizeof x) != 0)
			same = 0;
	}
	ok(same, "every measure read back to the same bits");
	checks_free(a);
	checks_free(b);

	f = fopen(part, "w");
	fputs("winnow-partial\t7\tshard\t1/1\nno/three.wav\t1\tzz\n", f);
	fclose(f);
	b = checks_new(ds, &opt);
	ok(checks_read_partials(b, &part, 1, &cause) != 0 && strstr(cause, "line 2"),
	    "a bad record is refused by its line");
	free(cause);
	cause = NULL;
	checks_free(b);
	f = fopen(part, "w");
	fputs("winnow-partial\t7\tshard\t1/1\nno/three.wav", f);
	fclose(f);
	b = checks_new(ds, &opt);
	ok(checks_read_partials(b, &part, 1, &cause) != 0 && strstr(cause, "cut off"),
	    "a cut-off partial file is refused");
	free(cause);
	checks_free(b);
	dataset_free(ds);
	free(part);
	free(root);
}

/* Groups of copies from links, whatever order they come in: a chain
 * joins through its middle, a root is the group's lowest sample, members
 * are in sample order, and a second round of links (the embeddings', in
 * the browser) joins groups already made. */
static void
test_copy_groups(void)
{
	struct findings f = { 0 }, g;
	const struct copy_member *m;
	size_t n;

	findings_group(&f);
	ok(findings_copies(&f, 0, &n) == NULL && n == 0, "no links: no copies");
	findings_link(&f, 9, 5);
	findings_link(&f, 2, 7);
	findings_link(&f, 5, 3);
	findings_group(&f);
	m = findings_copies(&f, 9, &n);
	ok(m != NULL && n == 3 && m[0].sample == 3 && m[1].sample == 5 &&
	    m[2].sample == 9 && m[0].group == 3 && m[2].group == 3,
	    "a chain 9-5-3: one group of 3, 5, 9 under 3");
	m = findings_copies(&f, 2, &n);
	ok(m != NULL && n == 2 && m[0].sample == 2 && m[1].sample == 7, "2-7 apart");
	ok(findings_copies(&f, 4, &n) == NULL, "4: no copy");

	findings_copy(&g, &f);
	findings_link(&g, 7, 9);
	findings_group(&g);
	m = findings_copies(&g, 2, &n);
	ok(m != NULL && n == 5 && m[0].sample == 2 && m[4].sample == 9 &&
	    m[4].group == 2, "a later link 7-9 joins both groups under 2");
	m = findings_copies(&f, 2, &n);
	ok(n == 2, "... in the copy, not the original");
	findings_free(&g);
	findings_free(&f);
}

int
main(void)
{
	testfs_init("checks");
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	settings_load(NULL, NULL);
	test_thresholds();
	test_shards();
	test_measure_bytes();
	test_same_as_file();
	test_judges();
	test_quality();
	test_partial();
	test_copy_groups();
	settings_free();
	return testfs_done();
}
