/* cmd-merge.c — `winnow merge`: several reviewers' journals of one dataset
 * into one, with their disagreements and how often each agreed. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cmd.h"
#include "journal.h"
#include "util.h"

static const char merge_usage[] =
"usage: winnow merge [-o FILE] JOURNAL...\n"
"\n"
"Merge the journals of several reviewers of one dataset into one journal\n"
"(standard output, or FILE). Where reviewers' standing decisions agree (the\n"
"same new label, all delete, or all keep: accept and flag), their decisions\n"
"go in; where they disagree, none does, a note names the disagreement, and\n"
"it is listed on standard error with each reviewer's agreement.\n"
"\n"
"  -o, --output FILE   write the merged journal to FILE\n"
"  -h, --help          this help\n"
"\n"
"Exit status: 0 merged, 1 merged with disagreements, 2 error.\n";

/* One reviewer's standing decision on a path. */
struct vote {
	size_t reviewer;
	const struct journal_entry *e;
};

struct sample_votes {
	char *path;
	struct vote *v;
	size_t n, cap;
	int disagree;
};

/* What a decision does to a sample: keep it (accept, flag), delete it, or
 * give it a label. Equal outcomes agree. */
static int
same_outcome(const struct journal *a, const struct journal_entry *x,
    const struct journal *b, const struct journal_entry *y)
{
	int kx = x->op == JOP_ACCEPT || x->op == JOP_FLAG;
	int ky = y->op == JOP_ACCEPT || y->op == JOP_FLAG;
	if (kx || ky)
		return kx && ky;
	if (x->op != y->op)
		return 0;
	return x->op != JOP_RELABEL ||
	    strcmp(journal_str(a, x->to), journal_str(b, y->to)) == 0;
}

static void
describe(struct buf *out, const struct journal *j, const struct journal_entry *e)
{
	buf_adds(out, journal_op_name(e->op));
	if (e->op == JOP_RELABEL) {
		buf_adds(out, " to ");
		escape_name(out, journal_str(j, e->to));
	}
}

static const char *
reviewer_name(struct buf *b, const struct journal *j, const struct journal_entry *e)
{
	b->len = 0;
	escape_name(b, j->file);
	if (e && e->by) {
		buf_adds(b, ": ");
		escape_name(b, journal_str(j, e->by));
	}
	return buf_str(b);
}

/* Accept before flag: the flag then stands, and the sample stays in the
 * rogues gallery. Otherwise in the order they were made. */
static int
cmp_vote(const void *pa, const void *pb)
{
	const struct vote *a = pa, *b = pb;
	int fa = a->e->op == JOP_FLAG, fb = b->e->op == JOP_FLAG;
	int c;
	if (fa != fb)
		return fa - fb;
	if ((c = strcmp(a->e->at, b->e->at)) != 0)
		return c;
	return a->reviewer < b->reviewer ? -1 : a->reviewer > b->reviewer;
}

int
cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct journal **js;
	size_t nj, i, k, m, nsamples = 0, capsamples = 0, ndisagree = 0;
	struct sample_votes *sv = NULL;
	GHashTable *index;
	struct buf out = { 0 }, who = { 0 }, what = { 0 };
	struct yout *y;
	char created[32];
	uint32_t id = 1;
	int c, status = 2;
	FILE *f;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return 0;
		default:
			return usage_error("merge", optopt ? "option '%s' needs a value" :
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("merge", "at least one JOURNAL is needed");
	nj = (size_t)(argc - optind);
	js = xcalloc(nj, sizeof *js);
	for (i = 0; i < nj; i++) {
		if ((js[i] = journal_read_reported(argv[optind + (int)i])) == NULL)
			goto out;
		if (i > 0) {
			char *a = realpath(js[0]->dataset, NULL), *b = realpath(js[i]->dataset, NULL);
			int same = strcmp(a ? a : js[0]->dataset, b ? b : js[i]->dataset) == 0 &&
			    js[0]->layout == js[i]->layout && (js[0]->layout == LAYOUT_FOLDERS ||
			    strcmp(js[0]->manifest, js[i]->manifest) == 0);
			free(a);
			free(b);
			if (!same) {
				fprintf(stderr, "%s: %s:%u: about the dataset %s, but %s is about %s\n",
				    progname, js[i]->file, js[i]->dataset_line, js[i]->dataset,
				    js[0]->file, js[0]->dataset);
				goto out;
			}
		}
	}

	/* Every reviewer's standing decision, per path. */
	index = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; i < nj; i++) {
		const struct journal_entry **list;
		size_t n = journal_standing_all(js[i], &list);
		for (k = 0; k < n; k++) {
			const char *path = journal_str(js[i], list[k]->path);
			gpointer v = g_hash_table_lookup(index, path);
			struct sample_votes *s;
			if (v == NULL) {
				sv = xgrow(sv, &capsamples, nsamples + 1, sizeof *sv);
				s = &sv[nsamples];
				memset(s, 0, sizeof *s);
				s->path = xstrdup(path);
				g_hash_table_insert(index, s->path, GSIZE_TO_POINTER(++nsamples));
			} else {
				s = &sv[GPOINTER_TO_SIZE(v) - 1];
			}
			s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
			s->v[s->n++] = (struct vote){ i, list[k] };
		}
		free(list);
	}

	utc_now(created, sizeof created);
	y = yout_new(&out);
	journal_write_header(y, js[0]->dataset, js[0]->layout, js[0]->manifest, created);
	for (k = 0; k < nsamples; k++) {
		struct sample_votes *s = &sv[k];
		for (m = 1; m < s->n; m++)
			if (!same_outcome(js[s->v[0].reviewer], s->v[0].e,
			    js[s->v[m].reviewer], s->v[m].e))
				s->disagree = 1;
		if (s->disagree) {
			struct journal_entry note = { .op = JOP_NOTE };
			struct journal tmp = { 0 };
			ndisagree++;
			what.len = 0;
			buf_adds(&what, "reviewers disagree: ");
			for (m = 0; m < s->n; m++) {
				const struct journal *jm = js[s->v[m].reviewer];
				if (m)
					buf_adds(&what, "; ");
				describe(&what, jm, s->v[m].e);
				buf_addf(&what, " (%s)", reviewer_name(&who, jm, s->v[m].e));
			}
			/* A note in the merged journal marks the sample for a
			 * second look; the pool holds just its strings. */
			strpool_add(&tmp.strings, "", 0);
			note.path = strpool_add(&tmp.strings, s->path, strlen(s->path));
			note.note = strpool_add(&tmp.strings, buf_str(&what), what.len);
			utc_now(note.at, sizeof note.at);
			journal_write_entry(y, &tmp, &note, id++);
			strpool_free(&tmp.strings);
			continue;
		}
		qsort(s->v, s->n, sizeof *s->v, cmp_vote);
		for (m = 0; m < s->n; m++)
			journal_write_entry(y, js[s->v[m].reviewer], s->v[m].e, id++);
	}
	/* Notes stay notes, whoever wrote them. */
	for (i = 0; i < nj; i++)
		for (k = 0; k < js[i]->n; k++)
			if (js[i]->entries[k].op == JOP_NOTE && !js[i]->entries[k].undone)
				journal_write_entry(y, js[i], &js[i]->entries[k], id++);
	yout_free(y);

	if (output) {
		if ((f = fopen(output, "w")) == NULL) {
			fprintf(stderr, "%s: %s: %s\n", progname, output, strerror(errno));
			goto free_votes;
		}
	} else {
		f = stdout;
	}
	if (fwrite(out.data, 1, out.len, f) != out.len || fflush(f) != 0 ||
	    (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "%s: %s: %s\n", progname, output ? output : "stdout",
		    strerror(errno));
		goto free_votes;
	}

	/* The report. */
	if (ndisagree) {
		fprintf(stderr, "%zu disagreement%s (left out of the merged journal, each "
		    "marked by a note):\n", ndisagree, ndisagree == 1 ? "" : "s");
		for (k = 0; k < nsamples; k++) {
			struct sample_votes *s = &sv[k];
			if (!s->disagree)
				continue;
			what.len = 0;
			escape_name(&what, s->path);
			buf_adds(&what, ": ");
			for (m = 0; m < s->n; m++) {
				const struct journal *jm = js[s->v[m].reviewer];
				if (m)
					buf_adds(&what, " · ");
				describe(&what, jm, s->v[m].e);
				buf_addf(&what, " (%s)", reviewer_name(&who, jm, s->v[m].e));
			}
			fprintf(stderr, "  %s\n", buf_str(&what));
		}
	}
	{
		int w = 8;
		for (i = 0; i < nj; i++) {
			int l = (int)strlen(reviewer_name(&who, js[i], NULL));
			if (l > w)
				w = l;
		}
		fprintf(stderr, "%-*s %8s %7s %7s %10s\n", w, "reviewer", "decided", "shared",
		    "agreed", "agreement");
		for (i = 0; i < nj; i++) {
			size_t decided = 0, shared = 0, agreed = 0;
			for (k = 0; k < nsamples; k++) {
				struct sample_votes *s = &sv[k];
				const struct journal_entry *mine = NULL;
				int all = 1;
				for (m = 0; m < s->n; m++)
					if (s->v[m].reviewer == i)
						mine = s->v[m].e;
				if (mine == NULL)
					continue;
				decided++;
				if (s->n < 2)
					continue;
				shared++;
				for (m = 0; m < s->n; m++)
					if (s->v[m].reviewer != i &&
					    !same_outcome(js[i], mine, js[s->v[m].reviewer], s->v[m].e))
						all = 0;
				agreed += all;
			}
			fprintf(stderr, "%-*s %8zu %7zu %7zu", w, reviewer_name(&who, js[i], NULL),
			    decided, shared, agreed);
			if (shared)
				fprintf(stderr, " %9.1f%%\n", 100.0 * (double)agreed / (double)shared);
			else
				fprintf(stderr, " %10s\n", "-");
		}
	}
	status = ndisagree ? 1 : 0;
free_votes:
	for (k = 0; k < nsamples; k++) {
		free(sv[k].path);
		free(sv[k].v);
	}
	free(sv);
	g_hash_table_destroy(index);
out:
	for (i = 0; i < nj; i++)
		journal_free(js[i]);
	free(js);
	buf_free(&out);
	buf_free(&who);
	buf_free(&what);
	return status;
}
