/* test-neardup.c — near copies: the index finds every pair a full
 * comparison finds and no other; which copy of a group gets which line;
 * fingerprints that stay put under gain, shift, brightness and scale, and
 * move for another sound or picture. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "fingerprint.h"
#include "neardup.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

/* xorshift64*: the same codes on every run. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* code with `bits` distinct bits flipped */
static uint64_t
flip(uint64_t code, unsigned bits, uint64_t *seed)
{
	uint64_t done = 0;
	while (bits > 0) {
		uint64_t b = (uint64_t)1 << (next(seed) % 64);
		if (done & b)
			continue;
		done |= b;
		bits--;
	}
	return code ^ done;
}

static void
test_index(void)
{
	enum { N = 6000 };
	struct fingerprint *fp = xcalloc(N, sizeof *fp);
	struct near_set set = { fp, sizeof *fp, N };
	struct near_limits lim = { 0.9, 7 };
	struct near_pair *pairs;
	size_t npairs, i, j, want = 0, k = 0, planted = 0;
	uint64_t seed = 88172645463325252ull, flipped = 0;
	int same = 1;

	/* Random codes, and every tenth a copy of the one before with 0 to
	 * 12 bits flipped, as near as near copies and farther. */
	for (i = 0; i < N; i++) {
		fp[i].kind = FP_IMAGE;
		if (i % 10 == 9) {
			fp[i].code = flip(fp[i - 1].code, (unsigned)(i / 10 % 13), &seed);
			planted += i / 10 % 13 <= 7;
		} else {
			fp[i].code = next(&seed);
		}
	}
	/* an image of no fingerprint is in no pair */
	fp[5].kind = FP_NONE;
	pairs = near_find(&set, &lim, 2, &npairs);
	for (i = 0; i < N && same; i++)
		for (j = i + 1; j < N; j++) {
			int near = fp[i].kind == FP_IMAGE && fp[j].kind == FP_IMAGE &&
			    fp_code_distance(fp[i].code, fp[j].code) <= 7;
			if (!near)
				continue;
			want++;
			if (k >= npairs || pairs[k].a != i || pairs[k].b != j ||
			    pairs[k].score != (float)fp_code_distance(fp[i].code, fp[j].code))
				same = 0;
			k++;
		}
	ok(same && k == npairs, "the index finds exactly the pairs within 7 bits (%zu)", want);
	ok(want == planted, "... which are the planted ones (%zu of %zu)", want, planted);
	for (k = 0; k < npairs; k++)
		flipped += fp_code_distance(fp[pairs[k].a].code, fp[pairs[k].b].code) == 7;
	ok(flipped > 0, "... as far as 7 bits apart");
	free(pairs);

	lim.image = 3;
	pairs = near_find(&set, &lim, 1, &npairs);
	for (same = 1, k = 0; k < npairs; k++)
		same &= fp_code_distance(fp[pairs[k].a].code, fp[pairs[k].b].code) <= 3;
	ok(same && npairs > 0 && npairs < want, "a lower limit keeps fewer (%zu)", npairs);
	free(pairs);
	free(fp);
}

/* Codes crowded into few values of each chunk: long runs, and most near
 * pairs within one bit in several chunks at once, to be found once each,
 * on any number of threads. */
static void
test_crowded(void)
{
	enum { N = 3000 };
	static const unsigned values[] = { 0x0000, 0x0001, 0x0003, 0x8001, 0x00f0, 0xffff };
	struct fingerprint *fp = xcalloc(N, sizeof *fp);
	struct near_set set = { fp, sizeof *fp, N };
	struct near_limits lim = { 0.9, 7 };
	struct near_pair *one, *three;
	size_t n1, n3, i, j, k = 0, want = 0;
	uint64_t seed = 2463534242ull;
	int same = 1;
	unsigned c;

	for (i = 0; i < N; i++) {
		fp[i].kind = i % 97 == 3 ? FP_NONE : FP_IMAGE;
		for (c = 0; c < NEAR_CHUNKS; c++)
			fp[i].code |= (uint64_t)values[next(&seed) % 6] << (16 * c);
	}
	one = near_find(&set, &lim, 1, &n1);
	three = near_find(&set, &lim, 3, &n3);
	for (i = 0; i < N && same; i++)
		for (j = i + 1; j < N; j++) {
			unsigned bits = fp_code_distance(fp[i].code, fp[j].code);
			if (fp[i].kind != FP_IMAGE || fp[j].kind != FP_IMAGE || bits > 7)
				continue;
			want++;
			if (k >= n1 || one[k].a != i || one[k].b != j || one[k].score != (float)bits)
				same = 0;
			k++;
		}
	ok(same && k == n1 && want > 100000, "crowded codes: exactly the pairs within 7 bits (%zu)",
	    want);
	ok(n3 == n1 && memcmp(one, three, n1 * sizeof *one) == 0,
	    "... the same on 3 threads as on one");
	free(one);
	free(three);
	free(fp);
}

/* ---- which copy gets which line ---- */

static const char *const names[] = {
	"train/cat/a.png",      /* 0 */
	"train/cat/b.png",      /* 1: near a: near-duplicate */
	"train/cat/c.png",      /* 2: same bytes as a: the exact checks' */
	"train/dog/d.png",      /* 3: near a: label-conflict, with a and b */
	"train/dog/e.png",      /* 4: alone */
	"val/dog/f.png",        /* 5: near e: a tie, both leak */
	"val/dog/g.png",        /* 6: nearest a: val is not the main split */
};

static int
same_bytes(size_t a, size_t b, void *arg)
{
	(void)arg;
	return (a == 0 && b == 2) || (a == 2 && b == 0);
}

static const struct near_line *
line_of(const struct near_line *l, size_t n, size_t sample, enum near_what what)
{
	size_t k;
	for (k = 0; k < n; k++)
		if (l[k].sample == sample && l[k].what == what)
			return &l[k];
	return NULL;
}

static void
test_lines(void)
{
	struct fingerprint fp[7];
	struct near_set set = { fp, sizeof *fp, 7 };
	struct near_limits lim = { 0.9, 4 };
	struct dataset *ds;
	struct near_pair *pairs;
	struct near_line *lines;
	const struct near_line *l;
	size_t npairs, nlines, i, total;
	char *cause = NULL;

	for (i = 0; i < 7; i++)
		put(names[i], "");
	if ((ds = dataset_open(tmpdir, &cause)) == NULL)
		die("%s", cause);
	for (i = 0; i < 7; i++)
		is_str(sample_path(ds, i), names[i], "sample in path order");
	memset(fp, 0, sizeof fp);
	for (i = 0; i < 7; i++)
		fp[i].kind = FP_IMAGE;
	fp[0].code = fp[2].code = 0x00ff00ff00ff00ffull;
	fp[1].code = fp[0].code ^ 0x3;          /* 2 bits from a */
	fp[3].code = fp[0].code ^ 0x1;          /* 1 bit */
	fp[6].code = fp[0].code ^ 0x700;        /* 3 bits */
	fp[4].code = 0x123456789abcdef0ull;
	fp[5].code = fp[4].code ^ 0x8000000000000000ull;
	pairs = near_find(&set, &lim, 1, &npairs);
	lines = near_lines(pairs, npairs, &set, ds, same_bytes, NULL, &nlines);

	l = line_of(lines, nlines, 1, NEAR_DUPLICATE);
	ok(l && l->other == 0 && l->group == 5 && l->score == 2,
	    "near-duplicate: the later copy names the nearest, group of 5");
	ok(!line_of(lines, nlines, 0, NEAR_DUPLICATE), "... not the first");
	l = line_of(lines, nlines, 2, NEAR_DUPLICATE);
	ok(l && l->other == 1, "... the exact copy is a near copy of the other, not of its bytes");
	for (i = 0; i < 3; i++) {
		l = line_of(lines, nlines, i, NEAR_LABEL_CONFLICT);
		ok(l && l->other == 3, "label-conflict: cat %zu names the dog", i);
	}
	l = line_of(lines, nlines, 3, NEAR_LABEL_CONFLICT);
	ok(l && l->other == 0, "... and the dog the nearest cat (a tie: the first)");
	ok(!line_of(lines, nlines, 4, NEAR_LABEL_CONFLICT) &&
	    !line_of(lines, nlines, 4, NEAR_DUPLICATE), "a sample with no near copy has no line");
	l = line_of(lines, nlines, 4, NEAR_SPLIT_LEAK);
	ok(l && l->other == 5 && l->group == 2, "split-leak: a tie of splits reports both");
	ok(line_of(lines, nlines, 5, NEAR_SPLIT_LEAK) != NULL, "... both");
	l = line_of(lines, nlines, 6, NEAR_SPLIT_LEAK);
	ok(l && l->other == 0, "... in a group mostly in train, the val copy");
	ok(!line_of(lines, nlines, 0, NEAR_SPLIT_LEAK) && !line_of(lines, nlines, 3, NEAR_SPLIT_LEAK),
	    "... and not the train copies");
	for (total = 0, i = 0; i < nlines; i++)
		total += i == 0 || lines[i].sample >= lines[i - 1].sample;
	ok(total == nlines, "lines in sample order");
	free(lines);
	free(pairs);
	dataset_free(ds);
}

/* ---- fingerprints ---- */

#define RATE 16000

/* A voiced sound: a pitch with harmonics under a word-like envelope,
 * `lead` seconds of silence first, in one second. */
static float *
voice(double pitch, double gain, double lead, double noise, uint64_t seed)
{
	float *x = xcalloc(RATE, sizeof *x);
	size_t i, h;
	for (i = 0; i < RATE; i++) {
		double t = (double)i / RATE - lead - 0.1, env, v = 0;
		if (t > 0 && t < 0.5) {
			env = sin(M_PI * t / 0.5);
			for (h = 1; h <= 8; h++)
				v += sin(2 * M_PI * pitch * h * t * (1 + 0.05 * t)) / h;
			x[i] = (float)(gain * 0.3 * env * v);
		}
		x[i] += (float)(noise * ((double)(next(&seed) >> 11) / (1ull << 53) - 0.5));
	}
	return x;
}

/* A note of one pitch whose harmonics are strongest near `formant`, for
 * `len` seconds from 0.1 s. */
static float *
note(double pitch, double formant, double len)
{
	float *x = xcalloc(RATE, sizeof *x);
	size_t i, h;
	for (i = 0; i < RATE; i++) {
		double t = (double)i / RATE - 0.1, v = 0;
		if (t <= 0 || t >= len)
			continue;
		for (h = 1; h < 12; h++)
			v += sin(2 * M_PI * pitch * h * t) / h *
			    exp(-pow((pitch * h - formant) / 400, 2));
		x[i] = (float)(0.3 * sin(M_PI * t / len) * v);
	}
	return x;
}

static void
audio_fp(const float *x, struct fingerprint *fp)
{
	struct fp_audio *a = fp_audio_new();
	/* in pieces, as a decoder hands them over */
	fp_audio_feed(x, 5000, 1, RATE, a);
	fp_audio_feed(x + 5000, RATE - 5000, 1, RATE, a);
	fp_audio_finish(a, fp);
}

static void
test_audio(void)
{
	struct fingerprint base, quiet, shifted, noisy, other, silent;
	float *x = voice(140, 1, 0, 0, 1), *y;
	int lag;

	audio_fp(x, &base);
	ok(base.kind == FP_AUDIO && base.code != 0, "a sound has an audio fingerprint");
	y = voice(140, 0.5, 0, 0, 1);
	audio_fp(y, &quiet);
	free(y);
	ok(fp_audio_correlation(&base, &quiet, NULL) > 0.99, "6 dB down: the same waveform");
	ok(fp_code_distance(base.code, quiet.code) <= 2, "... and code");
	y = voice(140, 1, 0.03, 0, 1);
	audio_fp(y, &shifted);
	free(y);
	ok(fp_audio_correlation(&base, &shifted, &lag) > 0.95, "30 ms later: the same waveform");
	ok(fp_code_distance(base.code, shifted.code) <= 4, "... and code");
	y = voice(140, 1, 0, 0.003, 7);
	audio_fp(y, &noisy);
	free(y);
	ok(fp_audio_correlation(&base, &noisy, NULL) > 0.95, "under low noise: the same waveform");
	y = voice(120, 1, 0, 0, 1);
	audio_fp(y, &other);
	free(y);
	ok(fp_audio_correlation(&base, &other, NULL) < 0.9, "another pitch: another waveform");
	/* Two notes of one pitch, one brighter and longer: alike below
	 * 600 Hz, unlike in all. */
	y = note(120, 1100, 0.7);
	audio_fp(y, &other);
	free(y);
	y = note(120, 800, 0.6);
	audio_fp(y, &silent);
	free(y);
	ok(fp_audio_correlation(&other, &silent, NULL) < 0.9,
	    "one pitch, other timbre and length: not a copy");
	y = xcalloc(RATE, sizeof *y);
	audio_fp(y, &silent);
	free(y);
	ok(silent.kind == FP_NONE, "digital silence has none");
	{
		/* The same fingerprint twice, as hard links give: exactly
		 * what the waveforms' correlation at lag 0 says. */
		struct fingerprint copy = base;
		ok(fp_audio_correlation(&base, &copy, NULL) == 1.0, "a fingerprint and its copy: 1");
		ok(fp_audio_near(&base, &copy, 0.94) == 1.0, "…when deciding too");
		ok(fp_audio_near(&other, &other, 0.94) == fp_audio_correlation(&other, &other, NULL),
		    "another sound and itself: the same either way");
	}
	free(x);
}

/* The waveform piece low-passed four samples at a time gives the bits
 * that one at a time gives: at 16 kHz (a whole step of 4), 8 kHz (2) and
 * 44.1 kHz (no whole step), and for sounds at a clip's very start and
 * end, where the filter runs past its edges. */
static void
test_wave_four(void)
{
	static const unsigned rates[] = { 16000, 8000, 44100, 16000, 16000 };
	static const double leads[] = { 0, 0, 0, -0.1, 0.49 };
	size_t r, same = 0;

	for (r = 0; r < ARRAY_SIZE(rates); r++) {
		size_t n = rates[r], i;
		float *x = xcalloc(n, sizeof *x);
		struct fingerprint four, one;
		struct fp_audio *a;

		for (i = 0; i < n; i++) {
			double t = (double)i / n - leads[r] - 0.1;
			if (t > 0 && t < 0.5)
				x[i] = (float)(0.3 * sin(M_PI * t / 0.5) *
				    (sin(2 * M_PI * 150 * t) + 0.5 * sin(2 * M_PI * 450 * t)));
		}
		fp_wave_one_at_a_time = 0;
		a = fp_audio_new();
		fp_audio_feed(x, n, 1, rates[r], a);
		fp_audio_finish(a, &four);
		fp_wave_one_at_a_time = 1;
		a = fp_audio_new();
		fp_audio_feed(x, n, 1, rates[r], a);
		fp_audio_finish(a, &one);
		fp_wave_one_at_a_time = 0;
		same += four.kind == FP_AUDIO && memcmp(&four, &one, sizeof four) == 0;
		free(x);
	}
	is_int(same, ARRAY_SIZE(rates), "the waveform four samples at a time: the bits of one at a time");
}

/* Many samples that share fingerprints, as hard links and copied files
 * do, interleaved in sample order: the index holds one of each, and every
 * copy gets exactly the pairs a comparison of all pairs gives it (the
 * fingerprints decided in the copies' own order), on any number of
 * threads. */
static void
test_same(void)
{
	enum { K = 12, N = 500 };
	static const double pitch[K] = { 140, 140, 140, 140, 120, 120, 160, 160, 160, 200, 200, 95 };
	static const double gain[K] = { 1, 0.5, 1, 1, 1, 0.7, 1, 0.9, 1, 1, 0.4, 1 };
	static const double lead[K] = { 0, 0, 0.03, 0, 0, 0.01, 0, 0, 0.02, 0, 0, 0 };
	static const double noise[K] = { 0, 0, 0, 0.003, 0, 0, 0, 0.002, 0, 0, 0, 0 };
	struct fingerprint kinds[K + 3], *fp = xcalloc(N, sizeof *fp);
	struct near_set set = { fp, sizeof *fp, N };
	struct near_limits lim = { 0.9, 7 };
	struct near_pair *one, *three;
	size_t n1, n3, i, j, k = 0, want = 0, copies = 0;
	uint64_t seed = 1181783497276652981ull;
	int same = 1;

	for (i = 0; i < K; i++) {
		float *x = voice(pitch[i], gain[i], lead[i], noise[i], i + 1);
		audio_fp(x, &kinds[i]);
		free(x);
	}
	/* another fingerprint with the first one's code; and one with its
	 * code and the middle of its waveform too (what the search keys
	 * fingerprints by) */
	kinds[K] = kinds[2];
	kinds[K].code = kinds[0].code;
	kinds[K + 1] = kinds[K];
	memcpy(kinds[K + 1].audio.wave + 40, kinds[0].audio.wave + 40, 100);
	memset(&kinds[K + 2], 0, sizeof kinds[K + 2]);     /* no fingerprint */
	for (i = 0; i < N; i++)
		fp[i] = kinds[next(&seed) % (K + 3)];
	one = near_find(&set, &lim, 1, &n1);
	three = near_find(&set, &lim, 3, &n3);
	for (i = 0; i < N && same; i++)
		for (j = i + 1; j < N; j++) {
			uint64_t diff = fp[i].code ^ fp[j].code;
			unsigned c, close = 0;
			double corr;
			if (fp[i].kind != FP_AUDIO || fp[j].kind != FP_AUDIO ||
			    fp_code_distance(diff, 0) > NEAR_AUDIO_CODE_BITS)
				continue;
			for (c = 0; c < NEAR_CHUNKS; c++)
				close |= __builtin_popcountll(diff >> (16 * c) & 0xffff) <= 1;
			corr = close ? fp_audio_near(&fp[i], &fp[j], lim.audio) : -1;
			if (corr < lim.audio)
				continue;
			want++;
			copies += fp_same(&fp[i], &fp[j]);
			if (k >= n1 || one[k].a != i || one[k].b != j || one[k].score != (float)corr)
				same = 0;
			k++;
		}
	ok(same && k == n1 && copies > 1000 && want > copies,
	    "shared fingerprints: exactly the pairs a full comparison finds (%zu, %zu of them "
	    "copies)", want, copies);
	ok(n3 == n1 && memcmp(one, three, n1 * sizeof *one) == 0,
	    "... the same on 3 threads as on one");
	free(one);
	free(three);
	free(fp);
}

/* Clips whose codes crowd into long runs (so that the search compares
 * them in vectors) and whose spectra lie some within the spread that
 * makes near copies and some beyond it: the search finds exactly what a
 * comparison of all pairs finds, counting bits 1, 4 and 8 codes at a time
 * (where this processor can), and its spread in vectors is the
 * fingerprint's own. */
static void
test_lanes(void)
{
	enum { N = 1500, K = 3 };
	static const unsigned values[] = { 0x0000, 0x0001, 0x0003, 0x8001, 0x00f0, 0xffff };
	static const int lanes[] = { 1, 4, 8 };
	struct fingerprint base[K], *fp = xcalloc(N, sizeof *fp);
	struct near_set set = { fp, sizeof *fp, N };
	struct near_limits lim = { 0.9, 7 };
	struct near_pair *pairs, *first = NULL;
	size_t npairs, nfirst = 0, i, j, want = 0, refused = 0, l;
	uint64_t seed = 88172645463325252ull;
	long far = fp_spectrum_far();
	int spread_same = 1;
	unsigned c, b;

	for (i = 0; i < 200000; i++) {
		uint64_t u = next(&seed), v = next(&seed) & next(&seed);
		if (near_scan_spread(u, u ^ v) != fp_spectrum_spread(u, u ^ v))
			spread_same = 0;
	}
	ok(spread_same, "lanes: the spread in vectors is the fingerprint's own");

	for (i = 0; i < K; i++) {
		float *x = voice(120 + 30 * (double)i, 1, 0, 0, i + 1);
		audio_fp(x, &base[i]);
		free(x);
	}
	for (i = 0; i < N; i++) {
		fp[i] = base[next(&seed) % K];
		fp[i].code = 0;
		for (c = 0; c < NEAR_CHUNKS; c++)
			fp[i].code |= (uint64_t)values[next(&seed) % 6] << (16 * c);
		/* each band a step up or down, or two, at random */
		for (b = 0; b < FP_BANDS; b++) {
			uint8_t *v = &fp[i].audio.spectrum[b / 2];
			int step = *v >> (b % 2 * 4) & 15, move = (int)(next(&seed) % 5) - 2;
			step = step + move < 0 ? 0 : step + move > 15 ? 15 : step + move;
			*v = (uint8_t)((*v & ~(15 << (b % 2 * 4))) | step << (b % 2 * 4));
		}
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++) {
			uint64_t diff = fp[i].code ^ fp[j].code;
			unsigned close = 0;
			if (fp_code_distance(diff, 0) > NEAR_AUDIO_CODE_BITS)
				continue;
			for (c = 0; c < NEAR_CHUNKS; c++)
				close |= __builtin_popcountll(diff >> (16 * c) & 0xffff) <= 1;
			if (!close)
				continue;
			if (fp_spectrum_spread(fp_spectrum_word(&fp[i]), fp_spectrum_word(&fp[j])) >=
			    far) {
				refused++;
				continue;
			}
			want += fp_audio_near(&fp[i], &fp[j], lim.audio) >= lim.audio;
		}
	for (l = 0; l < ARRAY_SIZE(lanes); l++) {
		if (!near_scan_can(lanes[l])) {
			ok(1, "lanes: # skip %d codes at a time: not on this processor", lanes[l]);
			continue;
		}
		near_scan_lanes = lanes[l];
		pairs = near_find(&set, &lim, 2, &npairs);
		if (first == NULL) {
			first = pairs;
			nfirst = npairs;
			ok(npairs == want && want > 1000 && refused > 1000,
			    "lanes: %d at a time, the %zu pairs all pairs give (%zu refused by "
			    "their spectra)", lanes[l], want, refused);
			continue;
		}
		ok(npairs == nfirst && memcmp(pairs, first, npairs * sizeof *pairs) == 0,
		    "lanes: %d at a time, the same pairs and scores (%zu)", lanes[l], npairs);
		free(pairs);
	}
	near_scan_lanes = 0;
	free(first);
	free(fp);
}

/* A picture with structure at several scales, brightened by `add`. */
static uint8_t *
picture(int w, int h, int add, int x0, int y0)
{
	uint8_t *p = xmalloc((size_t)w * h * 4);
	int x, y, c;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			double u = (double)(x + x0) / 200, v = (double)(y + y0) / 150;
			double lum = 128 + 60 * sin(7 * u + 3 * v) + 40 * cos(13 * u * v + 2) +
			    20 * sin(25 * v);
			for (c = 0; c < 3; c++) {
				int q = (int)lum + add;
				p[((size_t)y * w + x) * 4 + c] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
			}
			p[((size_t)y * w + x) * 4 + 3] = 255;
		}
	return p;
}

static void
test_image(void)
{
	struct fingerprint base, bright, small, cropped, half_a, half_b;
	uint8_t *p;

	p = picture(200, 150, 0, 0, 0);
	fp_image(p, 200, 150, &base);
	free(p);
	ok(base.kind == FP_IMAGE, "a picture has an image fingerprint");
	p = picture(200, 150, 20, 0, 0);
	fp_image(p, 200, 150, &bright);
	free(p);
	ok(fp_image_distance(&base, &bright) <= 2, "brighter: the same hash");
	/* the same picture drawn at 90 % */
	{
		uint8_t *q = xmalloc(180 * 135 * 4);
		int x, y;
		p = picture(200, 150, 0, 0, 0);
		for (y = 0; y < 135; y++)
			for (x = 0; x < 180; x++)
				memcpy(q + ((size_t)y * 180 + x) * 4,
				    p + ((size_t)(y * 150 / 135) * 200 + x * 200 / 180) * 4, 4);
		fp_image(q, 180, 135, &small);
		free(q);
		free(p);
	}
	ok(fp_image_distance(&base, &small) <= 4, "smaller: nearly the same hash");
	p = picture(194, 145, 0, 3, 2);
	fp_image(p, 194, 145, &cropped);
	free(p);
	ok(fp_image_distance(&base, &cropped) <= 7, "3 %% cropped: within 7 bits");
	p = picture(100, 75, 0, 0, 0);
	fp_image(p, 100, 75, &half_a);
	free(p);
	p = picture(100, 75, 0, 100, 75);
	fp_image(p, 100, 75, &half_b);
	free(p);
	ok(fp_image_distance(&half_a, &half_b) > 7, "two halves of it: far apart");
}

int
main(void)
{
	testfs_init("neardup");
	test_index();
	test_crowded();
	test_lines();
	test_audio();
	test_wave_four();
	test_same();
	test_lanes();
	test_image();
	return testfs_done();
}
