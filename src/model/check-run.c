/* check-run.c — a run of the checks: which samples to measure (a shard),
 * worker threads, the measures cache, partial files, and the judges. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "checks.h"
#include "util.h"
#include "worker.h"

/* Bump when measuring changes what it stores: older caches are ignored. */
#define CACHE_VERSION 9
#define CACHE_MAGIC "winnow-checks-cache\n"
#define PARTIAL_MAGIC "winnow-partial"
#define PARTIAL_VERSION 7

struct judge {
	check_judge_fn fn;
	void *arg;
};

struct checks {
	struct dataset *ds;
	struct check_options opt;
	struct measure *m;              /* ds->nsamples */
	size_t *todo;                   /* this run's samples (its shard) */
	size_t ntodo;
	atomic_size_t next, done;

	char *cache_path;               /* NULL: no cache */
	char *cache_bytes;              /* the loaded cache file */
	const unsigned char **cached;   /* per sample: its record, or NULL */
	atomic_int cache_loaded;        /* by the first thread that measures */
	pthread_mutex_t cache_lock;

	struct judge *judges;
	size_t njudges, capjudges;
};

/* ---- shards ---- */

int
checks_in_shard(const char *path, unsigned shard, unsigned nshards)
{
	if (nshards <= 1)
		return 1;
	return XXH3_64bits(path, strlen(path)) % nshards == shard - 1;
}

/* ---- the cache: $XDG_CACHE_HOME/winnow/checks/<hash of ROOT> ----
 * A header (magic, version, record size, ROOT) and then per sample the
 * path's length (2 bytes), the path with its NUL, and struct measure as it
 * is in memory: the cache lives on the machine that wrote it. */

static char *
cache_file(const char *root)
{
	char name[32];
	snprintf(name, sizeof name, "checks/%016llx",
	    (unsigned long long)XXH3_64bits(root, strlen(root)));
	return cache_path(name);
}

/* Records are in the dataset's order (paths sorted by bytes), so they are
 * matched to samples by one merge walk, without a path index. */
static void
cache_load(struct checks *c)
{
	size_t len, off, plen, rootlen = strlen(c->ds->root), i = 0;
	size_t head = sizeof CACHE_MAGIC - 1;
	char *bytes;
	uint32_t hdr[3];
	int cmp;

	if ((bytes = read_file(c->cache_path, &len, NULL)) == NULL)
		return;
	if (len < head + sizeof hdr || memcmp(bytes, CACHE_MAGIC, head) != 0)
		goto bad;
	memcpy(hdr, bytes + head, sizeof hdr);
	off = head + sizeof hdr;
	if (hdr[0] != CACHE_VERSION || hdr[1] != sizeof(struct measure) ||
	    hdr[2] != rootlen || len - off < rootlen ||
	    memcmp(bytes + off, c->ds->root, rootlen) != 0)
		goto bad;
	off += rootlen;
	c->cached = xcalloc(c->ds->nsamples ? c->ds->nsamples : 1, sizeof *c->cached);
	while (len - off >= 2 && i < c->ds->nsamples) {
		uint16_t l16;
		const char *path = bytes + off + 2;
		memcpy(&l16, bytes + off, 2);
		plen = l16;
		if (plen == 0 || len - off - 2 < plen + sizeof(struct measure) ||
		    path[plen - 1] != '\0')
			break;
		while (i < c->ds->nsamples &&
		    (cmp = strcmp(sample_path(c->ds, i), path)) < 0)
			i++;
		if (i < c->ds->nsamples && cmp == 0)
			c->cached[i++] = (const unsigned char *)path + plen;
		off += 2 + plen + sizeof(struct measure);
	}
	c->cache_bytes = bytes;
	return;
bad:
	free(bytes);
}

/* The cached measures of sample i when its file is unchanged. */
static int
cache_get(struct checks *c, size_t i, struct measure *m)
{
	struct stat st;
	struct measure rec;
	if (c->cached == NULL || c->cached[i] == NULL)
		return 0;
	memcpy(&rec, c->cached[i], sizeof rec);
	if (fstatat(c->ds->rootfd, sample_path(c->ds, i), &st, 0) != 0 ||
	    (uint64_t)st.st_size != rec.size ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != rec.mtime_ns)
		return 0;
	*m = rec;
	return 1;
}

void
checks_save_cache(struct checks *c)
{
	const struct dataset *ds = c->ds;
	uint32_t hdr[3] = { CACHE_VERSION, sizeof(struct measure), 0 };
	size_t i, rootlen = strlen(ds->root);
	char *tmp;
	FILE *f;

	if (c->cache_path == NULL || rootlen > UINT32_MAX)
		return;
	hdr[2] = (uint32_t)rootlen;
	if ((f = cache_create(c->cache_path, &tmp)) == NULL)
		return;
	fwrite(CACHE_MAGIC, 1, sizeof CACHE_MAGIC - 1, f);
	fwrite(hdr, sizeof hdr, 1, f);
	fwrite(ds->root, 1, rootlen, f);
	for (i = 0; i < ds->nsamples; i++) {
		const char *path = sample_path(ds, i);
		size_t plen = strlen(path) + 1;
		uint16_t l16 = (uint16_t)plen;
		struct measure rec;
		/* Keep what other shards of this machine measured before. */
		if (c->m[i].state != MEASURE_NONE)
			rec = c->m[i];
		else if (c->cached && c->cached[i])
			memcpy(&rec, c->cached[i], sizeof rec);
		else
			continue;
		if (plen > UINT16_MAX)
			continue;
		fwrite(&l16, 2, 1, f);
		fwrite(path, 1, plen, f);
		fwrite(&rec, sizeof rec, 1, f);
	}
	cache_commit(f, &tmp, c->cache_path);
}

/* ---- a run ---- */

struct checks *
checks_new(struct dataset *ds, const struct check_options *opt)
{
	struct checks *c = xcalloc(1, sizeof *c);
	size_t i;

	c->ds = ds;
	c->opt = *opt;
	c->m = xcalloc(ds->nsamples ? ds->nsamples : 1, sizeof *c->m);
	c->todo = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *c->todo);
	for (i = 0; i < ds->nsamples; i++)
		if (checks_in_shard(sample_path(ds, i), opt->shard, opt->nshards))
			c->todo[c->ntodo++] = i;
	atomic_init(&c->next, 0);
	atomic_init(&c->done, 0);
	if (opt->use_cache)
		c->cache_path = cache_file(ds->root);
	pthread_mutex_init(&c->cache_lock, NULL);
	return c;
}

void
checks_free(struct checks *c)
{
	if (c == NULL)
		return;
	free(c->m);
	free(c->todo);
	free(c->cache_path);
	free(c->cache_bytes);
	free(c->cached);
	free(c->judges);
	pthread_mutex_destroy(&c->cache_lock);
	free(c);
}

void
checks_add_judge(struct checks *c, check_judge_fn fn, void *arg)
{
	c->judges = xgrow(c->judges, &c->capjudges, c->njudges + 1, sizeof *c->judges);
	c->judges[c->njudges].fn = fn;
	c->judges[c->njudges].arg = arg;
	c->njudges++;
}

size_t
checks_total(const struct checks *c)
{
	return c->ntodo;
}

size_t
checks_done(const struct checks *c)
{
	return atomic_load(&((struct checks *)c)->done);
}

const struct measure *
checks_measures(const struct checks *c)
{
	return c->m;
}

size_t
checks_measure_some(struct checks *c, size_t most)
{
	size_t from = atomic_fetch_add(&c->next, most), to, k;
	struct buf scratch = { 0 };

	if (from >= c->ntodo)
		return 0;
	if (!atomic_load(&c->cache_loaded)) {
		pthread_mutex_lock(&c->cache_lock);
		if (!atomic_load(&c->cache_loaded)) {
			if (c->cache_path)
				cache_load(c);
			atomic_store(&c->cache_loaded, 1);
		}
		pthread_mutex_unlock(&c->cache_lock);
	}
	to = from + most < c->ntodo ? from + most : c->ntodo;
	for (k = from; k < to; k++) {
		size_t i = c->todo[k];
		if (!cache_get(c, i, &c->m[i]))
			measure_sample(c->ds, i, &c->m[i], &scratch);
		atomic_fetch_add(&c->done, 1);
	}
	buf_free(&scratch);
	return to - from;
}

/* Small batches keep both cores busy to the end; 32 files amortise the
 * claim and the scratch buffer. */
#define BATCH 32

static void
measure_thread(void *arg, unsigned k)
{
	struct checks *c = arg;
	(void)k;        /* batches come from c's own counter */
	while (checks_measure_some(c, BATCH) > 0)
		;
}

struct progress_tick {
	struct checks *c;
	void (*progress)(struct checks *, void *);
	void *arg;
};

static void
progress_tick(void *arg)
{
	struct progress_tick *t = arg;
	t->progress(t->c, t->arg);
}

void
checks_measure_all(struct checks *c, int nthreads,
    void (*progress)(struct checks *, void *), void *arg)
{
	unsigned n = nthreads > 0 ? (nthreads > 64 ? 64 : (unsigned)nthreads) :
	    parallel_threads(64);
	struct progress_tick t = { c, progress, arg };

	if (progress != NULL)
		parallel_for_watched(n, measure_thread, c, progress_tick, &t);
	else
		parallel_for(n, measure_thread, c);
}

size_t
checks_unmeasured(const struct checks *c, long *first)
{
	size_t i, n = 0;
	*first = -1;
	for (i = 0; i < c->ds->nsamples; i++)
		if (c->m[i].state == MEASURE_NONE && n++ == 0)
			*first = (long)i;
	return n;
}

int
checks_finish(struct checks *c, struct findings *out, char **cause)
{
	struct check_context ctx = {
		.ds = c->ds, .m = c->m, .th = &c->opt.th,
		.predictions = c->opt.predictions, .problems = c->opt.problems,
	};
	size_t i;
	if (checks_judge(&ctx, out, cause) != 0)
		return -1;
	judge_quality(&ctx, out);
	for (i = 0; i < c->njudges; i++)
		if (c->judges[i].fn(&ctx, c->judges[i].arg, out, cause) != 0)
			return -1;
	findings_sort(out, c->ds);
	findings_group(out);
	return 0;
}

void
checks_annotate(const struct checks *c, const struct findings *f, struct annotations *a)
{
	size_t i, n = c->ds->nsamples;
	if (a->findings == NULL)
		a->findings = xcalloc(n ? n : 1, sizeof *a->findings);
	else
		/* The cluster bits come from the embeddings (panes/cluster.c),
		 * and without predictions here, suspects from their part. */
		for (i = 0; i < n; i++)
			a->findings[i] &= 1u << CHECK_CLUSTER_OUTLIER | 1u << CHECK_CLUSTER_SPLIT |
			    (c->opt.predictions ? 0 : 1u << CHECK_SUSPECT_LABEL);
	if (a->peak_db == NULL)
		a->peak_db = annot_floats(n);
	if (a->rms_db == NULL)
		a->rms_db = annot_floats(n);
	if (a->duration == NULL)
		a->duration = annot_floats(n);
	for (i = 0; i < n; i++) {
		a->peak_db[i] = c->m[i].peak_db;
		a->rms_db[i] = c->m[i].rms_db;
		a->duration[i] = c->m[i].duration;
	}
	for (i = 0; i < f->n; i++)
		if (f->v[i].sample >= 0 && (size_t)f->v[i].sample < n)
			a->findings[f->v[i].sample] |= 1u << f->v[i].check;
}

/* ---- partial files: a shard's measures as text ----
 *
 *   winnow-partial<TAB>7<TAB>shard<TAB>I/N
 *   path<TAB>size<TAB>hash<TAB>format<TAB>state<TAB>err<TAB>duration<TAB>...
 *       <TAB>fingerprint
 *
 * Paths are escaped as on screen (\\ and \xNN, see escape_name), floats are
 * written with 9 significant digits so that they read back to the same bits:
 * a merge judges exactly what one run would. The fingerprint is "-" for
 * none, else "a" (audio) or "i" (image), the code in hex, and the bytes of
 * struct fp_audio_data or fp_image_data in hex: near copies in two shards
 * are found when they merge. */

#define PARTIAL_FIELDS 30
/* The quality measures' fields, after the 18 above, then the fingerprint. */
#define QUALITY_FIELD 18
#define FINGERPRINT_FIELD 29

static void
write_quality(FILE *f, const struct measure *m)
{
	fprintf(f, "\t%u\t%u\t%u\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g",
	    m->rate, m->channels, m->encoding, m->dc, m->snr_db, m->luma_lo,
	    m->luma_hi, m->sharpness, m->chroma, m->entropy, m->dc_wander);
}

/* Returns 0, or -1 when a field is not a number of its kind. */
static int
parse_quality(char **field, struct measure *m)
{
	float *floats[] = { &m->dc, &m->snr_db, &m->luma_lo, &m->luma_hi,
	    &m->sharpness, &m->chroma, &m->entropy, &m->dc_wander };
	unsigned long v[3];
	size_t k;
	char *end;

	for (k = 0; k < 3; k++) {
		v[k] = strtoul(field[k], &end, 10);
		if (*end || v[k] > (k ? UINT16_MAX : UINT32_MAX))
			return -1;
	}
	m->rate = (uint32_t)v[0];
	m->channels = (uint16_t)v[1];
	m->encoding = (uint16_t)v[2];
	for (k = 0; k < ARRAY_SIZE(floats); k++) {
		*floats[k] = strtof(field[3 + k], &end);
		if (*end)
			return -1;
	}
	return 0;
}

/* The bytes after the code that a fingerprint of this kind uses. */
static size_t
fingerprint_bytes(enum fp_kind kind)
{
	return kind == FP_AUDIO ? sizeof(struct fp_audio_data) : sizeof(struct fp_image_data);
}

static void
fingerprint_write(FILE *f, const struct fingerprint *fp)
{
	int k;
	if (fp->kind == FP_NONE) {
		fputs("\t-", f);
		return;
	}
	fprintf(f, "\t%c%016llx", fp->kind == FP_AUDIO ? 'a' : 'i',
	    (unsigned long long)fp->code);
	for (k = 0; k < (int)fingerprint_bytes(fp->kind); k++)
		fprintf(f, "%02x", ((const uint8_t *)&fp->audio)[k]);
}

static int
hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
fingerprint_read(const char *s, struct fingerprint *fp)
{
	size_t len = strlen(s), k, bytes;
	memset(fp, 0, sizeof *fp);
	if (strcmp(s, "-") == 0)
		return 0;
	if (s[0] != 'a' && s[0] != 'i')
		return -1;
	fp->kind = s[0] == 'a' ? FP_AUDIO : FP_IMAGE;
	bytes = fingerprint_bytes(fp->kind);
	if (len != 17 + 2 * bytes)
		return -1;
	for (k = 1; k < 17; k++) {
		int v = hex_value(s[k]);
		if (v < 0)
			return -1;
		fp->code = fp->code << 4 | (uint64_t)v;
	}
	for (k = 0; k < bytes; k++) {
		int hi = hex_value(s[17 + 2 * k]), lo = hex_value(s[18 + 2 * k]);
		if (hi < 0 || lo < 0)
			return -1;
		((uint8_t *)&fp->audio)[k] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
checks_write_partial(struct checks *c, FILE *f, char **cause)
{
	struct buf b = { 0 };
	size_t k;
	fprintf(f, "%s\t%d\tshard\t%u/%u\n", PARTIAL_MAGIC, PARTIAL_VERSION,
	    c->opt.nshards > 1 ? c->opt.shard : 1, c->opt.nshards > 1 ? c->opt.nshards : 1);
	for (k = 0; k < c->ntodo; k++) {
		size_t i = c->todo[k];
		const struct measure *m = &c->m[i];
		b.len = 0;
		escape_name(&b, sample_path(c->ds, i));
		fprintf(f, "%s\t%llu\t%016llx%016llx\t%u\t%u\t%d\t%.9g\t%.9g\t%.9g\t%.9g\t"
		    "%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%u\t%u",
		    buf_str(&b), (unsigned long long)m->size,
		    (unsigned long long)m->hash_hi, (unsigned long long)m->hash_lo,
		    m->format, m->state, m->err, m->duration, m->peak_db, m->rms_db,
		    m->loud_db, m->still_db, m->head_db, m->tail_db, m->clipped,
		    m->spread, m->declared, m->width, m->height);
		write_quality(f, m);
		fingerprint_write(f, &m->fp);
		fputc('\n', f);
	}
	buf_free(&b);
	if (fflush(f) != 0 || ferror(f)) {
		set_cause(cause, "cannot write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
parse_record(char *line, char **path, struct measure *m)
{
	char *field[PARTIAL_FIELDS], *save = NULL, *end;
	float *floats[] = { &m->duration, &m->peak_db, &m->rms_db, &m->loud_db,
	    &m->still_db, &m->head_db, &m->tail_db, &m->clipped, &m->spread,
	    &m->declared };
	unsigned long long hi, lo;
	unsigned long v[5];
	size_t k;
	int n = 0;
	char *p;

	for (p = strtok_r(line, "\t", &save); p && n < PARTIAL_FIELDS;
	    p = strtok_r(NULL, "\t", &save))
		field[n++] = p;
	if (n != PARTIAL_FIELDS || p != NULL || strlen(field[2]) != 32)
		return -1;
	memset(m, 0, sizeof *m);
	errno = 0;
	m->size = strtoull(field[1], &end, 10);
	if (*end)
		return -1;
	{
		char half[17];
		memcpy(half, field[2], 16);
		half[16] = '\0';
		hi = strtoull(half, &end, 16);
		if (*end)
			return -1;
		lo = strtoull(field[2] + 16, &end, 16);
		if (*end)
			return -1;
	}
	m->hash_hi = hi;
	m->hash_lo = lo;
	for (k = 0; k < 3; k++) {
		v[k] = strtoul(field[3 + k], &end, 10);
		if (*end)
			return -1;
	}
	if (v[0] >= FMT_COUNT || v[1] >= MEASURE_STATE_COUNT || v[1] == MEASURE_NONE ||
	    v[2] > INT16_MAX)
		return -1;
	m->format = (uint8_t)v[0];
	m->state = (uint8_t)v[1];
	m->err = (int16_t)v[2];
	for (k = 0; k < ARRAY_SIZE(floats); k++) {
		*floats[k] = strtof(field[6 + k], &end);
		if (*end)
			return -1;
	}
	for (k = 0; k < 2; k++) {
		v[3 + k] = strtoul(field[16 + k], &end, 10);
		if (*end || v[3 + k] > UINT32_MAX)
			return -1;
	}
	m->width = (uint32_t)v[3];
	m->height = (uint32_t)v[4];
	if (parse_quality(field + QUALITY_FIELD, m) != 0 ||
	    fingerprint_read(field[FINGERPRINT_FIELD], &m->fp) != 0)
		return -1;
	if (errno != 0 || unescape_name(field[0]) != 0)
		return -1;
	*path = field[0];
	return 0;
}

/* Partial file number part (from 1) of a merge: its measures go to c->m,
 * and from[i] says which file sample i came from, UINT32_MAX when two did
 * (an error: a shard given twice). Files are read side by side: the path
 * index is built before, and nothing else is written. */
static int
read_partial(struct checks *c, const char *file, uint32_t part, uint32_t *from,
    char **cause)
{
	size_t len, lineno = 1, unknown = 0;
	char *text, *line, *next, *path, *first_unknown = NULL;
	struct measure m;
	unsigned version, shard, nshards;
	uint32_t before;
	long i;

	if ((text = read_file(file, &len, cause)) == NULL)
		return -1;
	if (sscanf(text, PARTIAL_MAGIC "\t%u\tshard\t%u/%u", &version, &shard, &nshards) != 3 ||
	    version != PARTIAL_VERSION) {
		set_cause(cause, "%s: not a partial file of this winnow "
		    "(made by 'winnow check --shard I/N')", file);
		free(text);
		return -1;
	}
	line = strchr(text, '\n');
	for (line = line ? line + 1 : text + len; *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next == NULL) {
			set_cause(cause, "%s: line %zu is cut off", file, lineno);
			goto fail;
		}
		*next++ = '\0';
		if (parse_record(line, &path, &m) != 0) {
			set_cause(cause, "%s: line %zu is not a measure record", file, lineno);
			goto fail;
		}
		if ((i = dataset_find(c->ds, path)) < 0) {
			if (unknown++ == 0)
				first_unknown = xstrdup(path);
			continue;
		}
		before = 0;
		if (!__atomic_compare_exchange_n(&from[i], &before, part, 0, __ATOMIC_RELAXED,
		    __ATOMIC_RELAXED)) {
			__atomic_store_n(&from[i], UINT32_MAX, __ATOMIC_RELAXED);
			continue;
		}
		c->m[i] = m;
	}
	if (unknown > 0) {
		struct buf b = { 0 };
		escape_name(&b, first_unknown);
		set_cause(cause, "%s: %zu paths are not in the dataset (the first: %s); "
		    "was it changed since the shards ran?", file, unknown, buf_str(&b));
		buf_free(&b);
		goto fail;
	}
	free(text);
	return 0;
fail:
	free(first_unknown);
	free(text);
	return -1;
}

struct partials {
	struct checks *c;
	char *const *files;
	size_t n;
	uint32_t *from;
	char **causes;
	atomic_size_t next;
};

static void
partials_thread(void *arg, unsigned k)
{
	struct partials *p = arg;
	size_t f;
	(void)k;
	while ((f = atomic_fetch_add(&p->next, 1)) < p->n)
		read_partial(p->c, p->files[f], (uint32_t)f + 1, p->from, &p->causes[f]);
}

int
checks_read_partials(struct checks *c, char *const *files, size_t n, char **cause)
{
	struct partials p = { c, files, n, NULL, NULL, 0 };
	size_t f;
	int ret = 0;

	p.from = xcalloc(c->ds->nsamples ? c->ds->nsamples : 1, sizeof *p.from);
	p.causes = xcalloc(n ? n : 1, sizeof *p.causes);
	atomic_init(&p.next, 0);
	/* The path index, built once before the threads look paths up. */
	dataset_find(c->ds, "");
	parallel_for(n < 2 ? 1 : parallel_threads((unsigned)(n < 64 ? n : 64)), partials_thread, &p);
	/* The first file's error, as one reading in order would give it;
	 * else the first sample in two files. */
	for (f = 0; f < n; f++)
		if (p.causes[f] != NULL) {
			if (ret == 0) {
				*cause = p.causes[f];
				ret = -1;
			} else {
				free(p.causes[f]);
			}
		}
	for (f = 0; ret == 0 && f < c->ds->nsamples; f++)
		if (p.from[f] == UINT32_MAX) {
			struct buf b = { 0 };
			escape_name(&b, sample_path(c->ds, f));
			set_cause(cause, "%s is in more than one partial file (the same shard "
			    "given twice?)", buf_str(&b));
			buf_free(&b);
			ret = -1;
		}
	free(p.causes);
	free(p.from);
	return ret;
}
