/* cmd-check.c — `winnow check`: every check over a dataset, one finding a
 * line; or one shard's measures (--shard), or the findings of merged
 * shards (--merge). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "cmd.h"
#include "dataset.h"
#include "embed.h"
#include "settings.h"
#include "util.h"

static const char check_usage[] =
"usage: winnow check [-p PRED] [-e EMBEDDINGS] [-f tsv|json] [-t NAME=VALUE]...\n"
"                    [--no-cache] [--shard I/N [-o PARTIAL]] DATASET\n"
"       winnow check --merge [-p PRED] [-f tsv|json] [-t NAME=VALUE]... PARTIAL... DATASET\n"
"\n"
"Find unreadable, mislabelled-by-extension, silent, quiet, truncated and\n"
"clipped clips, blank and tiny images, duplicates and near copies, label\n"
"conflicts, split leaks, suspect labels and class imbalance. One finding a\n"
"line: path<TAB>check<TAB>detail; a summary by check on stderr. Exit status\n"
"0 when nothing was found, 1 when something was, 2 on error.\n"
"\n"
"  -p, --predictions PRED  predictions file (default: DATASET/predictions.csv)\n"
"  -e, --embeddings FILE   embeddings file (default: DATASET/embeddings.tsv)\n"
"  -f, --format F          tsv (default) or json\n"
"  -t, --threshold N=V     change a threshold (see below; repeatable)\n"
"      --no-cache          measure every file and list every folder again,\n"
"                          and keep no cache\n"
"      --shard I/N         measure shard I of N only and write its measures\n"
"                          (a partial file) instead of findings\n"
"  -o, --partial FILE      where --shard writes (default: standard output)\n"
"      --merge             judge the partial files of all shards together:\n"
"                          the findings one run over the dataset gives\n"
"      --threads N         measuring threads (default: one per core)\n"
"  -h, --help              this help\n"
"\n"
"Thresholds (also `thresholds:` in the configuration file):\n";

static void
print_usage(void)
{
	int i;
	fputs(check_usage, stdout);
	for (i = 0; i < TH_COUNT; i++)
		printf("  %-10s %-6g %s\n", threshold_name(i), threshold_default(i),
		    threshold_help(i));
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

static void
print_findings(const struct dataset *ds, const struct findings *f, int json)
{
	struct buf p = { 0 }, d = { 0 };
	size_t i;
	int k, first = 1;

	if (json) {
		printf("{\"dataset\": ");
		json_string(stdout, escaped_name(&p, ds->root));
		printf(", \"samples\": %zu, \"findings\": [", ds->nsamples);
	}
	for (i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];
		escaped_name(&p, finding_path(x, ds));
		escaped_name(&d, x->detail);
		if (!json) {
			printf("%s\t%s\t%s\n", p.data, check_name(x->check), d.data);
			continue;
		}
		printf("%s\n  {\"path\": ", i ? "," : "");
		json_string(stdout, p.data);
		printf(", \"check\": \"%s\", \"detail\": ", check_name(x->check));
		json_string(stdout, d.data);
		printf("}");
	}
	if (json) {
		printf("%s],\n \"counts\": {", f->n ? "\n " : "");
		for (k = 0; k < CHECK_COUNT; k++) {
			if (f->count[k] == 0)
				continue;
			printf("%s\"%s\": %zu", first ? "" : ", ", check_name(k), f->count[k]);
			first = 0;
		}
		printf("}}\n");
	}
	buf_free(&p);
	buf_free(&d);
}

static void
print_summary(const struct dataset *ds, const struct findings *f)
{
	int k;
	size_t samples = 0, i;
	long last = -1;
	for (i = 0; i < f->n; i++)
		if (f->v[i].sample >= 0 && f->v[i].sample != last)
			samples++, last = f->v[i].sample;
	if (f->n == 0) {
		fprintf(stderr, "%s check: %zu sample%s, nothing found\n", progname,
		    ds->nsamples, ds->nsamples == 1 ? "" : "s");
		return;
	}
	fprintf(stderr, "%s check: %zu finding%s in %zu of %zu samples\n", progname,
	    f->n, f->n == 1 ? "" : "s", samples, ds->nsamples);
	for (k = 0; k < CHECK_COUNT; k++)
		if (f->count[k])
			fprintf(stderr, "  %-15s %zu\n", check_name(k), f->count[k]);
}

static void
progress(struct checks *c, void *arg)
{
	(void)arg;
	fprintf(stderr, "\r%s check: %zu of %zu files measured", progname,
	    checks_done(c), checks_total(c));
	if (checks_done(c) == checks_total(c))
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static int
parse_shard(const char *s, unsigned *shard, unsigned *nshards)
{
	char *end;
	unsigned long i, n;
	errno = 0;
	i = strtoul(s, &end, 10);
	if (end == s || *end != '/' || errno)
		return -1;
	s = end + 1;
	n = strtoul(s, &end, 10);
	if (end == s || *end || errno || n < 1 || n > 1000000 || i < 1 || i > n)
		return -1;
	*shard = (unsigned)i;
	*nshards = (unsigned)n;
	return 0;
}

/* The default file name in ROOT when it exists, else NULL. Returns a new
 * string the caller frees. */
static char *
default_in_root(const struct dataset *ds, const char *name)
{
	if (faccessat(ds->rootfd, name, F_OK, 0) != 0)
		return NULL;
	return xasprintf("%s/%s", ds->root, name);
}

int
cmd_check(int argc, char **argv)
{
	enum { OPT_NO_CACHE = 256, OPT_SHARD, OPT_MERGE, OPT_THREADS };
	static const struct option longopts[] = {
		{ "predictions", required_argument, NULL, 'p' },
		{ "embeddings", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "threshold", required_argument, NULL, 't' },
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "partial", required_argument, NULL, 'o' },
		{ "merge", no_argument, NULL, OPT_MERGE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_options opt = { .use_cache = 1 };
	const char *pred = NULL, *embeddings = NULL, *partial = NULL;
	char *cause = NULL, *pred_default = NULL, *end;
	int format = OUT_TSV, merge = 0, threads = 0, c, status = 2, interactive;
	struct dataset *ds = NULL;
	struct checks *run = NULL;
	struct findings found = { 0 };
	struct embed_judge ej;
	size_t k;
	long first;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:e:f:t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pred = optarg;
			break;
		case 'e':
			embeddings = optarg;
			break;
		case 'f':
			if ((format = parse_format("check", optarg, OUT_TSV | OUT_JSON)) < 0)
				return 2;
			break;
		case 't':
			if (thresholds_set(&opt.th, optarg, &cause) != 0) {
				status = usage_error("check", "%s", cause);
				free(cause);
				return status;
			}
			break;
		case OPT_NO_CACHE:
			opt.use_cache = 0;
			dataset_cache_listings = 0;
			break;
		case OPT_SHARD:
			if (parse_shard(optarg, &opt.shard, &opt.nshards) != 0)
				return usage_error("check", "--shard takes I/N with 1 <= I <= N, "
				    "not '%s'", optarg);
			break;
		case 'o':
			partial = optarg;
			break;
		case OPT_MERGE:
			merge = 1;
			break;
		case OPT_THREADS:
			threads = (int)strtol(optarg, &end, 10);
			if (*end || threads < 1 || threads > 64)
				return usage_error("check", "--threads takes 1 to 64");
			break;
		case 'h':
			print_usage();
			return 0;
		case ':':
			return usage_error("check", "'%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("check", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (merge && opt.nshards)
		return usage_error("check", "--merge and --shard do not go together");
	if (partial && !opt.nshards)
		return usage_error("check", "--partial is where --shard writes");
	if (merge ? optind > argc - 2 : optind != argc - 1)
		return usage_error("check", merge ? "--merge needs PARTIAL files and a DATASET" :
		    optind == argc ? "a DATASET is needed" : "one DATASET only");

	if (settings_load(NULL, &cause) != 0)
		goto fail;
	thresholds_init(&opt.th);
	if ((ds = dataset_open(argv[argc - 1], &cause)) == NULL)
		goto fail;
	for (k = 0; k < ds->nproblems; k++) {
		struct buf p = { 0 }, m = { 0 };
		fprintf(stderr, "%s: %s: %s\n", progname, escaped_name(&p, ds->problems[k].path),
		    escaped_name(&m, ds->problems[k].message));
		buf_free(&p);
		buf_free(&m);
	}
	if (pred == NULL)
		pred = pred_default = default_in_root(ds, "predictions.csv");
	opt.predictions = pred;
	opt.problems = stderr;
	if (merge)
		opt.use_cache = 0;
	run = checks_new(ds, &opt);
	ej.file = embeddings;
	ej.problems = stderr;
	checks_add_judge(run, embed_judge, &ej);

	if (merge) {
		if (checks_read_partials(run, argv + optind, (size_t)(argc - 1 - optind),
		    &cause) != 0)
			goto fail;
		if (checks_unmeasured(run, &first) > 0) {
			struct buf b = { 0 };
			escape_name(&b, sample_path(ds, (size_t)first));
			set_cause(&cause, "%zu samples are in no partial file (the first: %s); "
			    "is a shard missing?", checks_unmeasured(run, &first), buf_str(&b));
			buf_free(&b);
			goto fail;
		}
	} else {
		interactive = isatty(STDERR_FILENO);
		checks_measure_all(run, threads, interactive ? progress : NULL, NULL);
		checks_save_cache(run);
	}

	if (opt.nshards) {
		FILE *f = stdout;
		if (partial && (f = fopen(partial, "w")) == NULL) {
			set_cause(&cause, "%s: %s", partial, strerror(errno));
			goto fail;
		}
		if (checks_write_partial(run, f, &cause) != 0) {
			if (f != stdout)
				fclose(f);
			goto fail;
		}
		if (f != stdout && fclose(f) != 0) {
			set_cause(&cause, "%s: %s", partial, strerror(errno));
			goto fail;
		}
		status = 0;
		goto out;
	}

	if (checks_finish(run, &found, &cause) != 0)
		goto fail;
	print_findings(ds, &found, format == OUT_JSON);
	if (fflush(stdout) != 0) {
		set_cause(&cause, "cannot write the findings: %s", strerror(errno));
		goto fail;
	}
	print_summary(ds, &found);
	status = found.n ? 1 : 0;
	goto out;
fail:
	fprintf(stderr, "%s: %s\n", progname, cause);
	free(cause);
	status = 2;
out:
	findings_free(&found);
	checks_free(run);
	free(pred_default);
	if (ds != NULL)
		dataset_free(ds);
	settings_free();
	return status;
}
