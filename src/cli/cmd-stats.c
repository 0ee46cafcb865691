/* cmd-stats.c — `winnow stats`: labels, kinds, splits and durations. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <sndfile.h>

#include "cmd.h"
#include "dataset.h"
#include "util.h"
#include "worker.h"

static const char stats_usage[] =
"usage: winnow stats [--durations] [--format text|tsv|json] DATASET\n"
"\n"
"Count samples per label, kind and split, and the imbalance ratio (largest\n"
"class / smallest). Shares are of the labelled samples. Kinds come from file\n"
"names here; `winnow check` reads the content. Problems met while indexing\n"
"are listed on stderr.\n"
"\n"
"  -d, --durations   also total and median duration per label (opens every\n"
"                    audio file's header)\n"
"  -f, --format F    text (default), tsv (a row per label) or json\n"
"  -h, --help        this help\n";

struct stats {
	struct dataset *ds;
	size_t labelled, unlabelled;
	size_t *count;          /* per label */
	size_t *by_split;       /* per label and split: [label * nsplits + split] */
	size_t *split_total;    /* per split, unlabelled samples included */
	size_t kinds[KIND_COUNT];
	int largest, smallest;  /* label ids, -1 without labels */
	double ratio;           /* largest / smallest; < 0 when undefined */
	/* --durations only (else NULL): per label */
	double *total, *median; /* median < 0: no audio clip could be read */
};

/* Durations are read from file headers by a few threads. */
struct durations {
	struct dataset *ds;
	double *seconds;        /* per sample; < 0 when not audio or unreadable */
	size_t next;
	pthread_mutex_t lock;
};

#define DURATION_BATCH 64

static double
read_duration(struct dataset *ds, size_t i)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;
	double seconds = -1;
	int fd;

	if (ds->samples[i].label == LABEL_NONE || sample_kind(&ds->samples[i]) != KIND_AUDIO)
		return -1;
	if ((fd = open_beneath(ds->rootfd, sample_path(ds, i), O_RDONLY)) < 0)
		return -1;
	if ((sf = sf_open_fd(fd, SFM_READ, &info, 1)) == NULL) {
		close(fd);
		return -1;
	}
	if (info.samplerate > 0)
		seconds = (double)info.frames / info.samplerate;
	sf_close(sf);
	return seconds;
}

static void
duration_worker(void *arg, unsigned k)
{
	struct durations *d = arg;
	size_t i, end;

	(void)k;        /* batches come from d's own counter */
	for (;;) {
		pthread_mutex_lock(&d->lock);
		i = d->next;
		d->next += DURATION_BATCH;
		pthread_mutex_unlock(&d->lock);
		if (i >= d->ds->nsamples)
			return;
		end = i + DURATION_BATCH < d->ds->nsamples ? i + DURATION_BATCH : d->ds->nsamples;
		for (; i < end; i++)
			d->seconds[i] = read_duration(d->ds, i);
	}
}

/* Seconds of every sample (< 0: none); the caller frees the array. */
static double *
read_durations(struct dataset *ds)
{
	struct durations d = { .ds = ds };

	d.seconds = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *d.seconds);
	pthread_mutex_init(&d.lock, NULL);
	parallel_for(parallel_threads(8), duration_worker, &d);
	pthread_mutex_destroy(&d.lock);
	return d.seconds;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
stats_count(struct stats *st, struct dataset *ds)
{
	size_t i, k, ns = ds->nsplits;

	st->ds = ds;
	st->count = xcalloc(ds->nlabels + 1, sizeof *st->count);
	st->by_split = xcalloc((ds->nlabels + 1) * ns, sizeof *st->by_split);
	st->split_total = xcalloc(ns, sizeof *st->split_total);
	for (i = 0; i < ds->nsamples; i++) {
		const struct sample *s = &ds->samples[i];
		if (s->label == LABEL_NONE) {
			st->unlabelled++;
		} else {
			st->labelled++;
			st->count[s->label]++;
			st->by_split[s->label * ns + s->split]++;
		}
		st->kinds[sample_kind(s)]++;
		st->split_total[s->split]++;
	}
	st->largest = st->smallest = -1;
	for (k = 0; k < ds->nlabels; k++) {
		if (st->largest < 0 || st->count[k] > st->count[st->largest])
			st->largest = (int)k;
		if (st->smallest < 0 || st->count[k] < st->count[st->smallest])
			st->smallest = (int)k;
	}
	st->ratio = st->largest >= 0 && st->count[st->smallest] > 0 ?
	    (double)st->count[st->largest] / (double)st->count[st->smallest] : -1;
}

static void
stats_durations(struct stats *st)
{
	struct dataset *ds = st->ds;
	double *secs = read_durations(ds), **vals;
	size_t i, k, *n;

	st->total = xcalloc(ds->nlabels + 1, sizeof *st->total);
	st->median = xcalloc(ds->nlabels + 1, sizeof *st->median);
	vals = xcalloc(ds->nlabels + 1, sizeof *vals);
	n = xcalloc(ds->nlabels + 1, sizeof *n);
	for (k = 0; k < ds->nlabels; k++)
		vals[k] = xmalloc((st->count[k] + 1) * sizeof **vals);
	for (i = 0; i < ds->nsamples; i++) {
		k = ds->samples[i].label;
		if (k == LABEL_NONE || secs[i] < 0)
			continue;
		vals[k][n[k]++] = secs[i];
		st->total[k] += secs[i];
	}
	for (k = 0; k < ds->nlabels; k++) {
		qsort(vals[k], n[k], sizeof **vals, cmp_double);
		st->median[k] = n[k] == 0 ? -1 : n[k] % 2 ? vals[k][n[k] / 2] :
		    (vals[k][n[k] / 2 - 1] + vals[k][n[k] / 2]) / 2;
		free(vals[k]);
	}
	free(vals);
	free(n);
	free(secs);
}

static void
stats_free(struct stats *st)
{
	free(st->count);
	free(st->by_split);
	free(st->split_total);
	free(st->total);
	free(st->median);
}

static double
share(const struct stats *st, size_t k)
{
	return st->labelled ? (double)st->count[k] / (double)st->labelled : 0.0;
}

/* A JSON string: the name itself when it is UTF-8, else its escaped form
 * (JSON cannot hold bytes that are not text). */
static void
json_string(FILE *f, const char *s)
{
	struct buf b = { 0 };
	const unsigned char *p;

	if (!utf8_valid(s, strlen(s)))
		s = escaped_name(&b, s);
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
	buf_free(&b);
}

/* Columns a string takes on a terminal (it is printable UTF-8). */
static int
display_width(const char *s)
{
	mbstate_t mbs;
	wchar_t wc;
	size_t n, len = strlen(s);
	int w = 0, cw;

	memset(&mbs, 0, sizeof mbs);
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &mbs);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* Not a UTF-8 locale: count code points. */
			w += (*s & 0xc0) != 0x80;
			s++, len--;
			memset(&mbs, 0, sizeof mbs);
			continue;
		}
		cw = wcwidth(wc);
		w += cw < 0 ? 1 : cw;
		s += n, len -= n;
	}
	return w;
}

static void
print_padded(const char *s, int width)
{
	int pad = width - display_width(s);
	fputs(s, stdout);
	while (pad-- > 0)
		putchar(' ');
}

/* "1,284" style numbers for people. */
static const char *
grouped(size_t n, char *out, size_t size)
{
	char tmp[32];
	size_t len, i, o = 0;
	snprintf(tmp, sizeof tmp, "%zu", n);
	len = strlen(tmp);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
	return out;
}

static void
print_text(const struct stats *st)
{
	const struct dataset *ds = st->ds;
	struct buf b = { 0 };
	char g1[32], g2[32];
	size_t k, sp;
	int w = 5, cw;

	for (k = 0; k < ds->nlabels; k++)
		if ((cw = display_width(escaped_name(&b, ds->labels[k]))) > w)
			w = cw;
	printf("dataset    %s", escaped_name(&b, ds->root));
	if (ds->layout == LAYOUT_MANIFEST)
		printf(" (manifest %s)\n", escaped_name(&b, ds->manifest));
	else
		printf(" (folders)\n");
	printf("samples    %s", grouped(ds->nsamples, g1, sizeof g1));
	printf(" in %zu label%s", ds->nlabels, ds->nlabels == 1 ? "" : "s");
	if (st->unlabelled)
		printf(" (%s labelled, %s in _folders, not labels)",
		    grouped(st->labelled, g1, sizeof g1), grouped(st->unlabelled, g2, sizeof g2));
	printf("\nkinds     ");
	for (k = 0; k < KIND_COUNT; k++)
		if (st->kinds[k])
			printf(" %s %s", kind_name((enum kind)k), grouped(st->kinds[k], g1, sizeof g1));
	printf("  (by file name)\n");
	if (ds->nsplits > 1) {
		printf("splits    ");
		for (sp = 1; sp < ds->nsplits; sp++)
			printf(" %s %s", escaped_name(&b, ds->splits[sp]),
			    grouped(st->split_total[sp], g1, sizeof g1));
		if (st->split_total[0])
			printf(" (none %s)", grouped(st->split_total[0], g1, sizeof g1));
		printf("\n");
	}
	if (st->largest >= 0) {
		if (st->ratio >= 0)
			printf("imbalance  %.2f", st->ratio);
		else
			printf("imbalance  inf");
		printf(" (largest %s %zu,", escaped_name(&b, ds->labels[st->largest]),
		    st->count[st->largest]);
		printf(" smallest %s %zu)\n", escaped_name(&b, ds->labels[st->smallest]),
		    st->count[st->smallest]);
	}
	if (ds->nlabels == 0) {
		buf_free(&b);
		return;
	}

	printf("\n");
	print_padded("label", w);
	printf(" %9s %6s", "count", "share");
	if (ds->nsplits > 1) {
		for (sp = 1; sp < ds->nsplits; sp++) {
			cw = display_width(escaped_name(&b, ds->splits[sp]));
			printf(" %*s%s", cw < 9 ? 9 - cw : 0, "", b.data);
		}
	}
	if (st->total)
		printf(" %10s %8s", "total", "median");
	printf("\n");
	for (k = 0; k < ds->nlabels; k++) {
		print_padded(escaped_name(&b, ds->labels[k]), w);
		printf(" %9s %5.1f%%", grouped(st->count[k], g1, sizeof g1), 100.0 * share(st, k));
		for (sp = 1; sp < ds->nsplits; sp++) {
			cw = display_width(escaped_name(&b, ds->splits[sp]));
			printf(" %*s", cw < 9 ? 9 : cw,
			    grouped(st->by_split[k * ds->nsplits + sp], g1, sizeof g1));
		}
		if (st->total) {
			if (st->median[k] < 0)
				printf(" %10s %8s", "-", "-");
			else
				printf(" %9.1fs %7.3fs", st->total[k], st->median[k]);
		}
		printf("\n");
	}
	buf_free(&b);
}

static void
print_tsv(const struct stats *st)
{
	const struct dataset *ds = st->ds;
	struct buf b = { 0 };
	size_t k, sp;

	printf("label\tcount\tshare");
	for (sp = 1; sp < ds->nsplits; sp++)
		printf("\t%s", escaped_name(&b, ds->splits[sp]));
	if (st->total)
		printf("\ttotal_s\tmedian_s");
	printf("\n");
	for (k = 0; k < ds->nlabels; k++) {
		printf("%s\t%zu\t%.4f", escaped_name(&b, ds->labels[k]), st->count[k], share(st, k));
		for (sp = 1; sp < ds->nsplits; sp++)
			printf("\t%zu", st->by_split[k * ds->nsplits + sp]);
		if (st->total) {
			if (st->median[k] < 0)
				printf("\t\t");
			else
				printf("\t%.3f\t%.3f", st->total[k], st->median[k]);
		}
		printf("\n");
	}
	buf_free(&b);
}

static void
print_json(const struct stats *st)
{
	const struct dataset *ds = st->ds;
	size_t k, sp;

	printf("{\"dataset\": ");
	json_string(stdout, ds->root);
	printf(", \"layout\": \"%s\", \"manifest\": ",
	    ds->layout == LAYOUT_FOLDERS ? "folders" : "manifest");
	if (ds->manifest)
		json_string(stdout, ds->manifest);
	else
		printf("null");
	printf(",\n \"samples\": %zu, \"labelled\": %zu, \"unlabelled\": %zu, "
	    "\"problems\": %zu, \"imbalance\": ", ds->nsamples, st->labelled,
	    st->unlabelled, ds->nproblems);
	if (st->ratio >= 0)
		printf("%.3f", st->ratio);
	else
		printf("null");
	printf(",\n \"kinds\": {");
	for (k = 0; k < KIND_COUNT; k++)
		printf("%s\"%s\": %zu", k ? ", " : "", kind_name((enum kind)k), st->kinds[k]);
	printf("},\n \"splits\": {");
	for (sp = 1; sp < ds->nsplits; sp++) {
		printf("%s", sp > 1 ? ", " : "");
		json_string(stdout, ds->splits[sp]);
		printf(": %zu", st->split_total[sp]);
	}
	printf("},\n \"labels\": [");
	for (k = 0; k < ds->nlabels; k++) {
		printf("%s\n  {\"label\": ", k ? "," : "");
		json_string(stdout, ds->labels[k]);
		printf(", \"count\": %zu, \"share\": %.4f, \"splits\": {", st->count[k], share(st, k));
		for (sp = 1; sp < ds->nsplits; sp++) {
			printf("%s", sp > 1 ? ", " : "");
			json_string(stdout, ds->splits[sp]);
			printf(": %zu", st->by_split[k * ds->nsplits + sp]);
		}
		printf("}");
		if (st->total) {
			if (st->median[k] < 0)
				printf(", \"total_s\": null, \"median_s\": null");
			else
				printf(", \"total_s\": %.3f, \"median_s\": %.3f", st->total[k],
				    st->median[k]);
		}
		printf("}");
	}
	printf("]}\n");
}

int
cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "durations", no_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int format = OUT_TEXT, with_durations = 0, c;
	struct dataset *ds;
	struct stats st = { 0 };
	struct buf b = { 0 };
	char *cause = NULL;
	size_t i;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:df:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			with_durations = 1;
			break;
		case 'f':
			if ((format = parse_format("stats", optarg, OUT_TEXT | OUT_TSV | OUT_JSON)) < 0)
				return 2;
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return 0;
		case ':':
			return usage_error("stats", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("stats", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("stats", optind == argc ? "a DATASET is needed" :
		    "one DATASET only");

	if ((ds = dataset_open(argv[optind], &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, escaped_name(&b, cause));
		free(cause);
		buf_free(&b);
		return 2;
	}
	for (i = 0; i < ds->nproblems; i++) {
		fprintf(stderr, "%s: %s: ", progname, escaped_name(&b, ds->problems[i].path));
		fprintf(stderr, "%s\n", escaped_name(&b, ds->problems[i].message));
	}
	buf_free(&b);

	stats_count(&st, ds);
	if (with_durations)
		stats_durations(&st);
	if (format == OUT_TSV)
		print_tsv(&st);
	else if (format == OUT_JSON)
		print_json(&st);
	else
		print_text(&st);
	stats_free(&st);
	dataset_free(ds);
	return 0;
}
