/* neardup.c — near copies: a multi-index of fingerprint codes, the
 * pairs it finds decided by their fingerprints, their groups and lines. */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "neardup.h"
#include "util.h"
#include "worker.h"

#define CHUNK_VALUES 65536

static inline unsigned
chunk(uint64_t code, unsigned c)
{
	return (unsigned)(code >> (16 * c) & 0xffff);
}

/* ---- the index ----
 *
 * One table at a time: the samples sorted by the chunk's value, their
 * codes copied beside them in that order, so that a run of one value is
 * read straight through. The search is a join of runs: each value's run
 * against itself and against the runs of the values one bit above it, so
 * that a run is loaded once for all the samples that probe it, and each
 * pair of runs is joined once. Threads take the positions in blocks, not
 * the values, so that one long run (real codes crowd) is shared too. */

/* Finds the codes near one in a block of a run (see "comparing codes"). */
struct index;
typedef size_t (*scan_fn)(const struct index *x, uint32_t p, uint32_t q0, uint32_t q1,
    uint32_t *hit);

struct index {
	const struct near_set *set;
	const struct near_limits *lim;
	unsigned most_bits;             /* no pair farther apart is near */
	long spectrum_far;              /* fp_spectrum_far */
	/* samples with the same fingerprint (see "the same fingerprint") */
	uint32_t *first;                /* n: the first sample with i's
	                                   fingerprint; NONE: i has none */
	uint32_t *next;                 /* n: the next sample with it; NONE */
	uint32_t *last;                 /* n: of a first, the last with it */
	size_t m;                       /* firsts: the samples in the index */
	uint32_t *sample;               /* m: their sample numbers, ascending */
	uint64_t *code;                 /* m: their codes */
	uint64_t *spectrum;             /* m: their spectra as words (audio) */
	uint8_t *kind;                  /* m: their kinds */
	/* the table being searched */
	unsigned c;                     /* its chunk */
	uint32_t *start;                /* CHUNK_VALUES + 1: where a value's run
	                                   begins */
	uint32_t *by;                   /* m: sample numbers, by chunk value */
	uint64_t *by_code;              /* m: their codes, in the same order */
	uint64_t *by_spectrum;          /* m: their spectra as words (audio) */
	uint8_t *by_kind;               /* m: their kinds */
	atomic_size_t taken;            /* the first position not taken */
	scan_fn scan;
	unsigned threads;
	struct found **found;           /* per thread */
	size_t *nfound, *capfound;
};

/* Table positions a thread takes at a time: few enough that threads
 * finish together when some runs are long. */
#define POSITION_BLOCK 1024

#define NONE UINT32_MAX

/* A pair of firsts a < b that are near copies, in one order of their
 * copies or both: ab, a copy of a before a copy of b (in sample order);
 * ba, the other way round, which only groups that interleave have. The
 * two orders are decided apart, as a run of the copies themselves would
 * decide them. */
struct found {
	uint32_t a, b;
	float score_ab, score_ba;
	uint8_t ab, ba;
};

/* ---- the same fingerprint ----
 *
 * Samples with the same fingerprint (hard links and copied files, by the
 * thousand in real trees) decide alike against every other sample, so
 * only the first of them enters the index, and what it finds is handed to
 * the others after: the candidates grow with the square of the samples
 * that share a code, and ten copies of each clip would make a hundred
 * times the work. */

/* A slot of the table of keys: the first sample with a key. The
 * key is the code and eight bytes from the middle of the data (where a
 * clip's piece has its sound and a picture its middle rows), so that
 * other fingerprints under one code (takes of a word can share it, faint
 * sounds crowd on a few) seldom share a key; those that do are firsts
 * too, chained from the slot's by `other`. */
struct slot {
	uint32_t tag;           /* the key's top half */
	uint32_t sample;
};

static inline uint64_t
key_of(const struct fingerprint *fp)
{
	uint64_t middle;
	memcpy(&middle, fp->kind == FP_AUDIO ? fp->audio.wave + FP_WAVE / 4 - 4 :
	    fp->image.luma + FP_THUMB * FP_THUMB / 2 - 4, sizeof middle);
	return fp->code ^ middle * 0xc2b2ae3d27d4eb4full;
}

static inline size_t
slot_of(uint64_t key, size_t size)
{
	key ^= key >> 31;
	key *= 0x9e3779b97f4a7c15ull;
	return (size_t)(key >> 17) & (size - 1);
}

/* first, next and last of every sample, from a table of the keys: the
 * same fingerprint has the same key, and another fingerprint of a key
 * seen is compared with the firsts of that key. */
static void
same_build(struct index *x)
{
	const struct near_set *s = x->set;
	size_t n = s->n, size = 16, i;
	uint32_t *other = xmalloc((n ? n : 1) * sizeof *other);
	struct slot *slot;

	while (size < 2 * n)
		size *= 2;
	slot = xmalloc(size * sizeof *slot);
	for (i = 0; i < size; i++)
		slot[i].sample = NONE;
	x->first = xmalloc((n ? n : 1) * sizeof *x->first);
	x->next = xmalloc((n ? n : 1) * sizeof *x->next);
	x->last = xmalloc((n ? n : 1) * sizeof *x->last);
	for (i = 0; i < n; i++) {
		const struct fingerprint *fp = near_fp(s, i);
		uint64_t key;
		uint32_t f;
		size_t k;
		x->next[i] = other[i] = NONE;
		/* the slot of a sample a few on, fetched while this one is
		 * placed */
		if (i + 32 < n)
			__builtin_prefetch(&slot[slot_of(key_of(near_fp(s, i + 32)), size)]);
		if (fp->kind == FP_NONE) {
			x->first[i] = NONE;
			continue;
		}
		key = key_of(fp);
		for (k = slot_of(key, size); slot[k].sample != NONE; k = (k + 1) & (size - 1))
			if (slot[k].tag == (uint32_t)(key >> 32) &&
			    key_of(near_fp(s, slot[k].sample)) == key)
				break;
		if (slot[k].sample == NONE) {
			slot[k] = (struct slot){ (uint32_t)(key >> 32), (uint32_t)i };
			x->first[i] = x->last[i] = (uint32_t)i;
			continue;
		}
		for (f = slot[k].sample; !fp_same(near_fp(s, f), fp); f = other[f])
			if (other[f] == NONE) {
				other[f] = (uint32_t)i;
				f = (uint32_t)i;
				x->last[i] = (uint32_t)i;
				break;
			}
		x->first[i] = f;
		if (f != i) {
			x->next[x->last[f]] = (uint32_t)i;
			x->last[f] = (uint32_t)i;
		}
	}
	free(slot);
	free(other);
}

static void
index_build(struct index *x)
{
	const struct near_set *s = x->set;
	size_t i, k;

	x->sample = xmalloc((s->n ? s->n : 1) * sizeof *x->sample);
	x->code = xmalloc((s->n ? s->n : 1) * sizeof *x->code);
	x->spectrum = xmalloc((s->n ? s->n : 1) * sizeof *x->spectrum);
	x->kind = xmalloc(s->n ? s->n : 1);
	for (i = 0, k = 0; i < s->n; i++)
		if (x->first[i] == i) {
			x->sample[k] = (uint32_t)i;
			x->code[k] = near_fp(s, i)->code;
			x->spectrum[k] = fp_spectrum_word(near_fp(s, i));
			x->kind[k++] = near_fp(s, i)->kind;
		}
	x->m = k;
	x->start = xmalloc((CHUNK_VALUES + 1) * sizeof *x->start);
	x->by = xmalloc((x->m ? x->m : 1) * sizeof *x->by);
	x->by_code = xmalloc((x->m ? x->m : 1) * sizeof *x->by_code);
	x->by_spectrum = xmalloc((x->m ? x->m : 1) * sizeof *x->by_spectrum);
	x->by_kind = xmalloc(x->m ? x->m : 1);
}

/* Counting sort of the samples by chunk c's value, in sample order within
 * a value. */
static void
table_build(struct index *x, unsigned c)
{
	uint32_t *start = x->start, *fill = xmalloc(CHUNK_VALUES * sizeof *fill);
	size_t k;

	x->c = c;
	memset(start, 0, (CHUNK_VALUES + 1) * sizeof *start);
	for (k = 0; k < x->m; k++)
		start[chunk(x->code[k], c) + 1]++;
	for (k = 0; k < CHUNK_VALUES; k++)
		start[k + 1] += start[k];
	memcpy(fill, start, CHUNK_VALUES * sizeof *fill);
	for (k = 0; k < x->m; k++) {
		uint32_t p = fill[chunk(x->code[k], c)]++;
		x->by[p] = x->sample[k];
		x->by_code[p] = x->code[k];
		x->by_spectrum[p] = x->spectrum[k];
		x->by_kind[p] = x->kind[k];
	}
	free(fill);
}

static void
index_free(struct index *x)
{
	free(x->start);
	free(x->by);
	free(x->by_code);
	free(x->by_spectrum);
	free(x->by_kind);
	free(x->sample);
	free(x->code);
	free(x->spectrum);
	free(x->kind);
	free(x->first);
	free(x->next);
	free(x->last);
}

/* Are samples a and b, whose codes are bits apart, near copies? Their
 * score goes to *score. */
static int
decide(const struct index *x, uint32_t a, uint32_t b, unsigned bits, float *score)
{
	const struct fingerprint *fa = near_fp(x->set, a), *fb = near_fp(x->set, b);
	double corr;

	if (fa->kind != fb->kind)
		return 0;
	if (fa->kind == FP_IMAGE) {
		*score = (float)bits;
		return bits <= x->lim->image &&
		    fp_image_correlation(fa, fb) >= NEAR_IMAGE_CORRELATION;
	}
	if (bits > NEAR_AUDIO_CODE_BITS)
		return 0;
	corr = fp_audio_near(fa, fb, x->lim->audio);
	*score = (float)corr;
	return corr >= x->lim->audio;
}

/* Table positions p and q, whose codes are at most most_bits apart: a
 * pair is taken from the first chunk in which it is within one bit, so
 * that it is decided once. */
static inline __attribute__((always_inline)) void
candidate(struct index *x, unsigned t, uint32_t p, uint32_t q)
{
	uint64_t diff = x->by_code[p] ^ x->by_code[q];
	uint32_t a = x->by[p], b = x->by[q];
	unsigned c, bits;
	struct found f;

	for (c = 0; c < x->c; c++)
		if (__builtin_popcount(chunk(diff, c)) <= 1)
			return;
	/* Clips whose spectra differ are refused from the words beside the
	 * codes, read in order, before any fingerprint is: the test
	 * fp_audio_near makes first, and one that refuses nearly all the
	 * candidates of crowded codes (99 % on the speech bench tree). */
	if (x->by_kind[p] == FP_AUDIO && x->by_kind[q] == FP_AUDIO &&
	    fp_spectrum_spread(x->by_spectrum[p], x->by_spectrum[q]) >= x->spectrum_far)
		return;
	if (a > b) {
		uint32_t swap = a;
		a = b;
		b = swap;
	}
	bits = fp_code_distance(diff, 0);
	f = (struct found){ .a = a, .b = b };
	f.ab = (uint8_t)decide(x, a, b, bits, &f.score_ab);
	/* a copy of b before a copy of a: the pair decided the other way */
	if (x->last[a] > b)
		f.ba = (uint8_t)decide(x, b, a, bits, &f.score_ba);
	if (!f.ab && !f.ba)
		return;
	x->found[t] = xgrow(x->found[t], &x->capfound[t], x->nfound[t] + 1,
	    sizeof **x->found);
	x->found[t][x->nfound[t]++] = f;
}

/* ---- comparing codes ----
 *
 * The join counts the bits between a code and every code of the runs it
 * meets (1.5 billion pairs on the speech bench tree, whose quiet high
 * frequencies put a third of the clips in one run of some tables): eight
 * codes at a time where the processor counts bits in vectors (AVX-512's
 * VPOPCNTDQ), four with AVX2 (bits counted by table lookups in each
 * byte), else one at a time, with the processor's own instruction where
 * it has one (x86-64 before SSE4.2 has none, and its default build calls
 * a function for each). The vector scans also refuse far spectra (see
 * scan_one); each way the same pairs reach the fingerprints. */
#define SCAN_BLOCK 256

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define COUNTS_BITS __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef COUNTS_BITS
#define COUNTS_BITS
#endif

/* The positions q in [q0, q1) whose codes are at most most_bits from
 * p's, into hit in order (q1 - q0 at most SCAN_BLOCK); returns how many.
 * The vector scans also leave out the audio whose spectrum words are far
 * from p's, a test candidate makes anyway: in vectors it costs a tenth. */
COUNTS_BITS static size_t
scan_one(const struct index *x, uint32_t p, uint32_t q0, uint32_t q1, uint32_t *hit)
{
	const uint64_t *code = x->by_code, a = code[p];
	size_t n = 0;
	uint32_t q;

	for (q = q0; q < q1; q++)
		if (fp_code_distance(a, code[q]) <= x->most_bits)
			hit[n++] = q;
	return n;
}

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target)
#include <immintrin.h>
#define SCAN_VECTORS 1

/* fp_spectrum_spread in one vector: the sixteen bands' steps as bytes. */
__attribute__((target("avx2"))) static inline long
spread_vector(uint64_t a, uint64_t b)
{
	const __m128i low = _mm_set1_epi8(0x0f), zero = _mm_setzero_si128();
	__m128i va = _mm_cvtsi64_si128((long long)a), vb = _mm_cvtsi64_si128((long long)b);
	__m128i na = _mm_unpacklo_epi8(_mm_and_si128(va, low),
	    _mm_and_si128(_mm_srli_epi64(va, 4), low));
	__m128i nb = _mm_unpacklo_epi8(_mm_and_si128(vb, low),
	    _mm_and_si128(_mm_srli_epi64(vb, 4), low));
	__m128i d = _mm_abs_epi8(_mm_sub_epi8(na, nb));
	__m128i sq = _mm_madd_epi16(_mm_maddubs_epi16(d, d), _mm_set1_epi16(1));
	__m128i sums = _mm_sub_epi64(_mm_sad_epu8(na, zero), _mm_sad_epu8(nb, zero));
	long squares, sum;

	sq = _mm_add_epi32(sq, _mm_shuffle_epi32(sq, 0x4e));
	sq = _mm_add_epi32(sq, _mm_shuffle_epi32(sq, 0xb1));
	squares = _mm_cvtsi128_si32(sq);
	sum = (long)_mm_cvtsi128_si64(sums) + (long)_mm_extract_epi64(sums, 1);
	return FP_BANDS * squares - sum * sum;
}

/* Position q, whose code is near p's: is it still a candidate? */
__attribute__((target("avx2"))) static inline int
scan_keeps(const struct index *x, uint32_t p, uint32_t q)
{
	return x->by_kind[p] != FP_AUDIO || x->by_kind[q] != FP_AUDIO ||
	    spread_vector(x->by_spectrum[p], x->by_spectrum[q]) < x->spectrum_far;
}

/* p's spectrum word as the vector scans compare it: its steps as bytes,
 * and their sum, in every lane. */
struct spread_from {
	__m256i lo, hi, sum;
	int audio;
};

__attribute__((target("avx2"))) static inline void
spread_from_init(const struct index *x, uint32_t p, struct spread_from *a)
{
	const __m256i low = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	const __m256i sp = _mm256_set1_epi64x((long long)x->by_spectrum[p]);

	a->lo = _mm256_and_si256(sp, low);
	a->hi = _mm256_and_si256(_mm256_srli_epi64(sp, 4), low);
	a->sum = _mm256_add_epi64(_mm256_sad_epu8(a->lo, zero), _mm256_sad_epu8(a->hi, zero));
	a->audio = x->by_kind[p] == FP_AUDIO;
}

/* Of the four positions from q, those whose audio spectra are too far
 * from p's (the spreads side by side, as spread_vector works out one), as
 * bits 0 to 3. */
__attribute__((target("avx2"))) static inline unsigned
spread_far4(const struct index *x, const struct spread_from *a, uint32_t q)
{
	const __m256i squares = _mm256_setr_epi8(0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100,
	    121, 144, 169, 196, (char)225, 0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144,
	    169, 196, (char)225);
	const __m256i low = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	__m256i b = _mm256_loadu_si256((const __m256i *)(x->by_spectrum + q));
	__m256i b_lo = _mm256_and_si256(b, low);
	__m256i b_hi = _mm256_and_si256(_mm256_srli_epi64(b, 4), low);
	__m256i sq = _mm256_add_epi64(
	    _mm256_sad_epu8(_mm256_shuffle_epi8(squares,
	    _mm256_abs_epi8(_mm256_sub_epi8(a->lo, b_lo))), zero),
	    _mm256_sad_epu8(_mm256_shuffle_epi8(squares,
	    _mm256_abs_epi8(_mm256_sub_epi8(a->hi, b_hi))), zero));
	__m256i steps = _mm256_sub_epi64(a->sum, _mm256_add_epi64(
	    _mm256_sad_epu8(b_lo, zero), _mm256_sad_epu8(b_hi, zero)));
	__m256i spread = _mm256_sub_epi64(_mm256_mul_epi32(sq, _mm256_set1_epi64x(FP_BANDS)),
	    _mm256_mul_epi32(steps, steps));
	__m256i audio;
	int kinds;

	memcpy(&kinds, x->by_kind + q, sizeof kinds);
	audio = _mm256_cmpeq_epi64(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(kinds)),
	    _mm256_set1_epi64x(FP_AUDIO));
	return (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_and_si256(audio,
	    _mm256_cmpgt_epi64(spread, _mm256_set1_epi64x(x->spectrum_far - 1)))));
}

/* The positions of a vector's near lanes (the bits of near) from q, in
 * order, after the n hits so far; returns the new count. */
static inline size_t
put_hits(uint32_t *hit, size_t n, uint32_t q, unsigned near)
{
	while (near) {
		hit[n++] = q + (uint32_t)__builtin_ctz(near);
		near &= near - 1;
	}
	return n;
}

/* The positions [q, q1) too few for a vector, one at a time, after the n
 * hits so far; returns the new count. */
__attribute__((target("avx2,popcnt"))) static inline size_t
scan_rest(const struct index *x, uint32_t p, uint32_t q, uint32_t q1, uint32_t *hit, size_t n)
{
	const uint64_t a = x->by_code[p];

	for (; q < q1; q++)
		if ((unsigned)__builtin_popcountll(a ^ x->by_code[q]) <= x->most_bits &&
		    scan_keeps(x, p, q))
			hit[n++] = q;
	return n;
}

__attribute__((target("avx2,popcnt"))) static size_t
scan_avx2(const struct index *x, uint32_t p, uint32_t q0, uint32_t q1, uint32_t *hit)
{
	const __m256i bits = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
	    0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	const uint64_t *code = x->by_code, a = code[p];
	const __m256i low = _mm256_set1_epi8(0x0f), va = _mm256_set1_epi64x((long long)a);
	const __m256i vmost = _mm256_set1_epi64x(x->most_bits);
	struct spread_from from;
	size_t n = 0;
	uint32_t q = q0;

	spread_from_init(x, p, &from);
	for (; q + 4 <= q1; q += 4) {
		__m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(code + q)), va);
		__m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(bits, _mm256_and_si256(v, low)),
		    _mm256_shuffle_epi8(bits, _mm256_and_si256(_mm256_srli_epi16(v, 4), low)));
		__m256i sum = _mm256_sad_epu8(c, _mm256_setzero_si256());
		unsigned far = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(
		    _mm256_cmpgt_epi64(sum, vmost)));
		unsigned near = ~far & 15;
		if (near && from.audio)
			near &= ~spread_far4(x, &from, q);
		n = put_hits(hit, n, q, near);
	}
	return scan_rest(x, p, q, q1, hit, n);
}

__attribute__((target("avx512f,avx512vpopcntdq,avx2,popcnt"))) static size_t
scan_avx512(const struct index *x, uint32_t p, uint32_t q0, uint32_t q1, uint32_t *hit)
{
	const uint64_t *code = x->by_code, a = code[p];
	const __m512i va = _mm512_set1_epi64((long long)a);
	const __m512i vmost = _mm512_set1_epi64(x->most_bits);
	struct spread_from from;
	size_t n = 0;
	uint32_t q = q0;

	spread_from_init(x, p, &from);
	for (; q + 8 <= q1; q += 8) {
		__m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(
		    _mm512_loadu_si512((const void *)(code + q)), va));
		unsigned near = (unsigned)_mm512_cmple_epu64_mask(d, vmost);
		if (near && from.audio)
			near &= ~(spread_far4(x, &from, q) | spread_far4(x, &from, q + 4) << 4);
		n = put_hits(hit, n, q, near);
	}
	return scan_rest(x, p, q, q1, hit, n);
}
#endif
#endif

int near_scan_lanes;

int
near_scan_can(int lanes)
{
	if (lanes == 1)
		return 1;
#ifdef SCAN_VECTORS
	__builtin_cpu_init();
	if (lanes == 4)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
	if (lanes == 8)
		return __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512vpopcntdq");
#endif
	return 0;
}

long
near_scan_spread(uint64_t a, uint64_t b)
{
#ifdef SCAN_VECTORS
	if (near_scan_can(4))
		return spread_vector(a, b);
#endif
	return fp_spectrum_spread(a, b);
}

static scan_fn
scan_pick(void)
{
#ifdef SCAN_VECTORS
	int lanes = near_scan_lanes;
	if (lanes == 0)
		lanes = near_scan_can(8) ? 8 : near_scan_can(4) ? 4 : 1;
	if (lanes == 8 && near_scan_can(8))
		return scan_avx512;
	if (lanes == 4 && near_scan_can(4))
		return scan_avx2;
#endif
	return scan_one;
}

/* Position p against positions [q0, q1): a run of a few is read here,
 * a longer one in blocks by the scan. */
static inline __attribute__((always_inline)) void
join_run(struct index *x, unsigned t, uint32_t p, uint32_t q0, uint32_t q1)
{
	const uint64_t *code = x->by_code;
	uint32_t hit[SCAN_BLOCK], q;
	size_t n, i;

	if (q1 - q0 < 8) {
		for (q = q0; q < q1; q++)
			if (fp_code_distance(code[p], code[q]) <= x->most_bits)
				candidate(x, t, p, q);
		return;
	}
	for (; q0 < q1; q0 = q) {
		q = q1 - q0 > SCAN_BLOCK ? q0 + SCAN_BLOCK : q1;
		n = x->scan(x, p, q0, q, hit);
		for (i = 0; i < n; i++)
			candidate(x, t, p, hit[i]);
	}
}

/* Table positions [from, to) against the rest of their runs and the runs
 * of the values one bit above theirs (the values one bit below join them
 * from theirs): a run loaded once for all the positions of one value. */
COUNTS_BITS static void
join_positions(struct index *x, unsigned t, uint32_t from, uint32_t to)
{
	const uint64_t *code = x->by_code;
	unsigned bit;
	uint32_t first, last, p;

	for (first = from; first < to; first = last) {
		unsigned v = chunk(code[first], x->c);
		uint32_t end = x->start[v + 1];
		last = end < to ? end : to;
		for (p = first; p < last; p++)
			join_run(x, t, p, p + 1, end);
		for (bit = 1; bit < CHUNK_VALUES; bit <<= 1) {
			uint32_t begin;
			if (v & bit)
				continue;
			begin = x->start[v | bit];
			end = x->start[(v | bit) + 1];
			if (begin == end)
				continue;
			for (p = first; p < last; p++)
				join_run(x, t, p, begin, end);
		}
	}
}

static void
search_thread(void *arg, unsigned t)
{
	struct index *x = arg;
	size_t first;

	while ((first = atomic_fetch_add(&x->taken, POSITION_BLOCK)) < x->m)
		join_positions(x, t, (uint32_t)first,
		    (uint32_t)(first + POSITION_BLOCK < x->m ? first + POSITION_BLOCK : x->m));
}

/* What the firsts found, handed to every copy: the pairs of each sample
 * with the later samples, in sample order. A first's neighbours are the
 * firsts it was found near, each with the score of its copies before
 * theirs; its own copies are near each other when it is near itself. */
struct pair_out {
	uint32_t b;
	float score;
};

static int
cmp_out(const void *p, const void *q)
{
	const struct pair_out *a = p, *b = q;
	return a->b < b->b ? -1 : a->b > b->b;
}

static struct near_pair *
hand_out(struct index *x, size_t *npairs)
{
	size_t n = x->set->n, nfound = 0, i, t, k, nall = 0, capall = 0, nbuf, capbuf = 0;
	uint32_t *start = xcalloc(n + 1, sizeof *start), *fill;
	struct pair_out *adj, *buf = NULL;
	struct near_pair *all = NULL;
	uint8_t *self = xcalloc(n ? n : 1, 1);
	float *self_score = xmalloc((n ? n : 1) * sizeof *self_score);

	for (t = 0; t < x->threads; t++)
		for (k = 0; k < x->nfound[t]; k++) {
			const struct found *f = &x->found[t][k];
			start[f->a + 1] += f->ab;
			start[f->b + 1] += f->ba;
			nfound += (size_t)f->ab + f->ba;
		}
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	fill = xmalloc((n ? n : 1) * sizeof *fill);
	memcpy(fill, start, n * sizeof *fill);
	adj = xmalloc((nfound ? nfound : 1) * sizeof *adj);
	for (t = 0; t < x->threads; t++) {
		for (k = 0; k < x->nfound[t]; k++) {
			const struct found *f = &x->found[t][k];
			if (f->ab)
				adj[fill[f->a]++] = (struct pair_out){ f->b, f->score_ab };
			if (f->ba)
				adj[fill[f->b]++] = (struct pair_out){ f->a, f->score_ba };
		}
		free(x->found[t]);
	}
	free(fill);
	for (i = 0; i < n; i++)
		if (x->first[i] == i && x->last[i] != i)
			self[i] = (uint8_t)decide(x, (uint32_t)i, (uint32_t)i, 0, &self_score[i]);

	for (i = 0; i < n; i++) {
		uint32_t f = x->first[i], m;
		if (f == NONE)
			continue;
		nbuf = 0;
		if (self[f])
			for (m = x->next[i]; m != NONE; m = x->next[m]) {
				buf = xgrow(buf, &capbuf, nbuf + 1, sizeof *buf);
				buf[nbuf++] = (struct pair_out){ m, self_score[f] };
			}
		for (k = start[f]; k < start[f + 1]; k++)
			for (m = adj[k].b; m != NONE; m = x->next[m])
				if (m > i) {
					buf = xgrow(buf, &capbuf, nbuf + 1, sizeof *buf);
					buf[nbuf++] = (struct pair_out){ m, adj[k].score };
				}
		if (nbuf > 1)
			qsort(buf, nbuf, sizeof *buf, cmp_out);
		all = xgrow(all, &capall, nall + nbuf, sizeof *all);
		for (k = 0; k < nbuf; k++)
			all[nall++] = (struct near_pair){ (uint32_t)i, buf[k].b, buf[k].score };
	}
	free(buf);
	free(adj);
	free(start);
	free(self);
	free(self_score);
	*npairs = nall;
	return all;
}

struct near_pair *
near_find(const struct near_set *s, const struct near_limits *lim, unsigned nthreads,
    size_t *npairs)
{
	struct index x = { .set = s, .lim = lim };
	struct near_pair *all;
	unsigned c;

	/* Codes farther apart than this are no near copies of any kind. */
	x.most_bits = NEAR_AUDIO_CODE_BITS;
	if (lim->image > x.most_bits)
		x.most_bits = lim->image >= 64 ? 64 : (unsigned)lim->image;
	x.threads = nthreads ? nthreads : parallel_threads(64);
	x.spectrum_far = fp_spectrum_far();
	x.scan = scan_pick();
	same_build(&x);
	index_build(&x);
	x.found = xcalloc(x.threads, sizeof *x.found);
	x.nfound = xcalloc(x.threads, sizeof *x.nfound);
	x.capfound = xcalloc(x.threads, sizeof *x.capfound);
	for (c = 0; c < NEAR_CHUNKS; c++) {
		table_build(&x, c);
		atomic_init(&x.taken, 0);
		parallel_for(x.threads, search_thread, &x);
	}
	all = hand_out(&x, npairs);
	free(x.found);
	free(x.nfound);
	free(x.capfound);
	index_free(&x);
	return all;
}

/* ---- groups and lines ---- */

static uint32_t
root_of(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

struct offer {
	uint32_t other;
	float score;
};

/* Is a nearer than the copy already offered? Ties: the first in path order. */
static int
nearer(const struct offer *o, uint32_t other, float score, int kind)
{
	if (o->other == NONE)
		return 1;
	if (score != o->score)
		return kind == FP_AUDIO ? score > o->score : score < o->score;
	return other < o->other;
}

static void
offer(struct offer *o, uint32_t other, float score, int kind)
{
	if (nearer(o, other, score, kind)) {
		o->other = other;
		o->score = score;
	}
}

struct member {
	uint32_t root, sample;
};

static int
cmp_member(const void *p, const void *q)
{
	const struct member *a = p, *b = q;
	if (a->root != b->root)
		return a->root < b->root ? -1 : 1;
	return a->sample < b->sample ? -1 : a->sample > b->sample;
}

struct near_line *
near_lines(const struct near_pair *pairs, size_t npairs, const struct near_set *set,
    const struct dataset *ds, int (*same_bytes)(size_t a, size_t b, void *arg),
    void *arg, size_t *nlines)
{
	const struct sample *sm = ds->samples;
	size_t n = set->n, k, i, j, nmembers = 0, nout = 0, cap = 0;
	uint32_t *parent = xmalloc((n ? n : 1) * sizeof *parent), *size;
	uint32_t *root = xmalloc((n ? n : 1) * sizeof *root);
	struct member *members;
	uint8_t *main_split;
	struct offer *best = xmalloc((n ? n : 1) * 3 * sizeof *best);
	size_t *counts = xcalloc(ds->nsplits ? ds->nsplits : 1, sizeof *counts);
	struct near_line *out = NULL;

	for (i = 0; i < n; i++) {
		parent[i] = (uint32_t)i;
		for (k = 0; k < 3; k++)
			best[i * 3 + k] = (struct offer){ NONE, 0 };
	}
	for (k = 0; k < npairs; k++) {
		uint32_t ra = root_of(parent, pairs[k].a), rb = root_of(parent, pairs[k].b);
		if (ra != rb)
			parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
	}
	size = xcalloc(n ? n : 1, sizeof *size);
	for (i = 0; i < n; i++)
		size[root_of(parent, (uint32_t)i)]++;

	for (k = 0; k < npairs; k++) {
		uint32_t a = pairs[k].a, b = pairs[k].b;
		unsigned la = sm[a].label, lb = sm[b].label, sa = sm[a].split, sb = sm[b].split;
		int kind = near_fp(set, a)->kind;
		float sc = pairs[k].score;
		if (same_bytes(a, b, arg))
			continue;
		if (la != LABEL_NONE && lb != LABEL_NONE && la != lb) {
			offer(&best[a * 3 + NEAR_LABEL_CONFLICT], b, sc, kind);
			offer(&best[b * 3 + NEAR_LABEL_CONFLICT], a, sc, kind);
		}
		if (la == lb && sa == sb)
			offer(&best[b * 3 + NEAR_DUPLICATE], a, sc, kind);
		if (sa != SPLIT_NONE && sb != SPLIT_NONE && sa != sb) {
			offer(&best[a * 3 + NEAR_SPLIT_LEAK], b, sc, kind);
			offer(&best[b * 3 + NEAR_SPLIT_LEAK], a, sc, kind);
		}
	}

	/* A split-leak is a copy outside its group's main split (the one
	 * most of its members are in): the members of the groups with a leak,
	 * by group, counted by split. */
	for (i = 0; i < n; i++)
		root[i] = root_of(parent, (uint32_t)i);
	main_split = xcalloc(n ? n : 1, 1);
	for (i = 0; i < n; i++)
		if (best[i * 3 + NEAR_SPLIT_LEAK].other != NONE)
			main_split[root[i]] = 1;
	members = xmalloc((n ? n : 1) * sizeof *members);
	for (i = 0; i < n; i++)
		if (main_split[root[i]])
			members[nmembers++] = (struct member){ root[i], (uint32_t)i };
	qsort(members, nmembers, sizeof *members, cmp_member);
	for (i = 0; i < nmembers; i = j) {
		size_t most = 0, ties = 0, sp;
		unsigned main = SPLIT_NONE;
		memset(counts, 0, ds->nsplits * sizeof *counts);
		for (j = i; j < nmembers && members[j].root == members[i].root; j++)
			counts[sm[members[j].sample].split]++;
		for (sp = 1; sp < ds->nsplits; sp++) {
			if (counts[sp] > most) {
				most = counts[sp];
				main = (unsigned)sp;
				ties = 0;
			} else if (counts[sp] == most && most > 0) {
				ties++;
			}
		}
		main_split[members[i].root] = (uint8_t)(ties ? SPLIT_NONE : main);
	}
	for (i = 0; i < n; i++)
		if (best[i * 3 + NEAR_SPLIT_LEAK].other != NONE &&
		    sm[i].split == main_split[root[i]])
			best[i * 3 + NEAR_SPLIT_LEAK].other = NONE;

	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++) {
			const struct offer *o = &best[i * 3 + k];
			if (o->other == NONE)
				continue;
			out = xgrow(out, &cap, nout + 1, sizeof *out);
			out[nout++] = (struct near_line){
				.sample = (uint32_t)i, .other = o->other,
				.group = size[root[i]],
				.what = (uint8_t)k, .kind = near_fp(set, i)->kind,
				.score = o->score,
			};
		}
	free(members);
	free(main_split);
	free(root);
	free(counts);
	free(size);
	free(best);
	free(parent);
	*nlines = nout;
	return out;
}
