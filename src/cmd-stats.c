/* cmd-stats.c — `winnow stats`: labels, kinds, splits and durations. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "cmd.h"
#include "dataset.h"
#include "util.h"

int
cmd_not_yet(const char *name)
{
	fprintf(stderr, "%s: '%s' is not built yet\n", progname, name);
	return 2;
}

int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s %s: ", progname, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s %s --help')\n", progname, cmd);
	return 2;
}

static const char stats_usage[] =
"usage: winnow stats [--durations] [--format text|tsv|json] DATASET\n"
"\n"
"Count samples per label, kind and split, and the imbalance ratio (largest\n"
"class / smallest). Kinds come from file names here; `winnow check` reads\n"
"the content. Problems met while indexing are listed on stderr.\n"
"\n"
"  -d, --durations   also total and median duration per label (opens every\n"
"                    audio file's header)\n"
"  -f, --format F    text (default), tsv (a row per label) or json\n"
"  -h, --help        this help\n";

enum out_format { OUT_TEXT, OUT_TSV, OUT_JSON };

/* Durations are read from file headers by a few threads. */
struct durations {
	struct dataset *ds;
	double *seconds;        /* per sample; < 0 when not audio or unreadable */
	size_t next;
	pthread_mutex_t lock;
};

static void *
duration_worker(void *arg)
{
	struct durations *d = arg;
	size_t i;
	for (;;) {
		pthread_mutex_lock(&d->lock);
		i = d->next;
		d->next += 64;
		pthread_mutex_unlock(&d->lock);
		if (i >= d->ds->nsamples)
			return NULL;
		size_t end = i + 64 < d->ds->nsamples ? i + 64 : d->ds->nsamples;
		for (; i < end; i++) {
			SF_INFO info = { 0 };
			SNDFILE *sf;
			int fd;
			d->seconds[i] = -1;
			if (sample_kind(&d->ds->samples[i]) != KIND_AUDIO)
				continue;
			fd = openat(d->ds->rootfd, sample_path(d->ds, i), O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if ((sf = sf_open_fd(fd, SFM_READ, &info, 1)) == NULL) {
				close(fd);
				continue;
			}
			if (info.samplerate > 0)
				d->seconds[i] = (double)info.frames / info.samplerate;
			sf_close(sf);
		}
	}
}

static double *
read_durations(struct dataset *ds)
{
	struct durations d = { .ds = ds };
	pthread_t th[8];
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int i, nth = n < 1 ? 1 : n > 8 ? 8 : (int)n;

	d.seconds = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *d.seconds);
	pthread_mutex_init(&d.lock, NULL);
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, duration_worker, &d) != 0)
			die("cannot start a thread");
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
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
json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Write "1,284" style numbers for people. */
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

int
cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "durations", no_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format format = OUT_TEXT;
	int with_durations = 0, c;
	struct dataset *ds;
	char *cause = NULL, g1[32], g2[32];
	size_t i, k, *count, kinds[KIND_COUNT] = { 0 }, *split_count, nolabel = 0;
	size_t largest = 0, smallest = 0;
	int ilarge = -1, ismall = -1;
	double *secs = NULL, *total = NULL, *median = NULL, ratio;
	struct buf esc = { 0 };

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+df:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			with_durations = 1;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				format = OUT_TEXT;
			else if (strcmp(optarg, "tsv") == 0)
				format = OUT_TSV;
			else if (strcmp(optarg, "json") == 0)
				format = OUT_JSON;
			else
				return usage_error("stats", "unknown format '%s'", optarg);
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return 0;
		default:
			return usage_error("stats", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("stats", optind == argc ? "a DATASET is needed" :
		    "one DATASET only");

	if ((ds = dataset_open(argv[optind], &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return 2;
	}
	for (i = 0; i < ds->nproblems; i++)
		fprintf(stderr, "%s: %s: %s\n", progname, ds->problems[i].path,
		    ds->problems[i].message);

	count = xcalloc(ds->nlabels + 1, sizeof *count);
	split_count = xcalloc(ds->nsplits, sizeof *split_count);
	for (i = 0; i < ds->nsamples; i++) {
		const struct sample *s = &ds->samples[i];
		if (s->label == LABEL_NONE)
			nolabel++;
		else
			count[s->label]++;
		kinds[sample_kind(s)]++;
		split_count[s->split]++;
	}
	for (k = 0; k < ds->nlabels; k++) {
		if (ilarge < 0 || count[k] > largest)
			largest = count[k], ilarge = (int)k;
		if (ismall < 0 || count[k] < smallest)
			smallest = count[k], ismall = (int)k;
	}
	ratio = ilarge >= 0 && smallest > 0 ? (double)largest / (double)smallest : 0;

	if (with_durations) {
		double *vals = xmalloc((ds->nsamples + 1) * sizeof *vals);
		secs = read_durations(ds);
		total = xcalloc(ds->nlabels + 1, sizeof *total);
		median = xcalloc(ds->nlabels + 1, sizeof *median);
		for (k = 0; k < ds->nlabels; k++) {
			size_t n = 0;
			for (i = 0; i < ds->nsamples; i++)
				if (ds->samples[i].label == k && secs[i] >= 0) {
					vals[n++] = secs[i];
					total[k] += secs[i];
				}
			qsort(vals, n, sizeof *vals, cmp_double);
			median[k] = n == 0 ? -1 : n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2;
		}
		free(vals);
	}

	if (format == OUT_TSV) {
		printf("label\tcount\tshare%s\n", with_durations ? "\ttotal_s\tmedian_s" : "");
		for (k = 0; k < ds->nlabels; k++) {
			printf("%s\t%zu\t%.4f", ds->labels[k], count[k],
			    ds->nsamples ? (double)count[k] / ds->nsamples : 0.0);
			if (with_durations)
				printf("\t%.3f\t%.3f", total[k], median[k] < 0 ? 0 : median[k]);
			putchar('\n');
		}
	} else if (format == OUT_JSON) {
		printf("{\"dataset\": ");
		json_string(stdout, ds->root);
		printf(", \"layout\": \"%s\", \"samples\": %zu, \"unlabelled\": %zu, "
		    "\"imbalance\": %.3f,\n \"kinds\": {",
		    ds->layout == LAYOUT_FOLDERS ? "folders" : "manifest", ds->nsamples,
		    nolabel, ratio);
		for (k = 0; k < KIND_COUNT; k++)
			printf("%s\"%s\": %zu", k ? ", " : "", kind_name((enum kind)k), kinds[k]);
		printf("},\n \"splits\": {");
		for (k = 1, c = 0; k < ds->nsplits; k++) {
			printf("%s", c++ ? ", " : "");
			json_string(stdout, ds->splits[k]);
			printf(": %zu", split_count[k]);
		}
		printf("},\n \"labels\": [");
		for (k = 0; k < ds->nlabels; k++) {
			printf("%s\n  {\"label\": ", k ? "," : "");
			json_string(stdout, ds->labels[k]);
			printf(", \"count\": %zu, \"share\": %.4f", count[k],
			    ds->nsamples ? (double)count[k] / ds->nsamples : 0.0);
			if (with_durations)
				printf(", \"total_s\": %.3f, \"median_s\": %.3f", total[k],
				    median[k] < 0 ? 0 : median[k]);
			printf("}");
		}
		printf("]}\n");
	} else {
		int w = 5;
		for (k = 0; k < ds->nlabels; k++) {
			esc.len = 0;
			escape_name(&esc, ds->labels[k]);
			if ((int)strlen(esc.data) > w)
				w = (int)strlen(esc.data);
		}
		printf("dataset    %s (%s%s%s)\n", ds->root,
		    ds->layout == LAYOUT_FOLDERS ? "folders" : "manifest ",
		    ds->manifest ? ds->manifest : "", "");
		printf("samples    %s in %zu labels", grouped(ds->nsamples, g1, sizeof g1),
		    ds->nlabels);
		if (nolabel)
			printf(", %s in _folders (not labels)", grouped(nolabel, g2, sizeof g2));
		printf("\nkinds     ");
		for (k = 0; k < KIND_COUNT; k++)
			if (kinds[k])
				printf(" %s %s", kind_name((enum kind)k), grouped(kinds[k], g1, sizeof g1));
		printf("  (by file name)\n");
		if (ds->nsplits > 1) {
			printf("splits    ");
			for (k = 1; k < ds->nsplits; k++)
				printf(" %s %s", ds->splits[k], grouped(split_count[k], g1, sizeof g1));
			if (split_count[0])
				printf(" (none %s)", grouped(split_count[0], g1, sizeof g1));
			printf("\n");
		}
		if (ilarge >= 0)
			printf("imbalance  %.2f (largest %s %zu, smallest %s %zu)\n", ratio,
			    ds->labels[ilarge], largest, ds->labels[ismall], smallest);
		printf("\n%-*s %9s %7s", w, "label", "count", "share");
		if (with_durations)
			printf(" %11s %9s", "total", "median");
		printf("\n");
		for (k = 0; k < ds->nlabels; k++) {
			esc.len = 0;
			escape_name(&esc, ds->labels[k]);
			printf("%-*s %9s %6.1f%%", w, esc.data, grouped(count[k], g1, sizeof g1),
			    ds->nsamples ? 100.0 * (double)count[k] / ds->nsamples : 0.0);
			if (with_durations) {
				if (median[k] < 0)
					printf(" %11s %9s", "-", "-");
				else
					printf(" %10.1fs %8.3fs", total[k], median[k]);
			}
			printf("\n");
		}
	}
	buf_free(&esc);
	free(secs);
	free(total);
	free(median);
	free(count);
	free(split_count);
	dataset_free(ds);
	return 0;
}
