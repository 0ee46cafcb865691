/* test-journal.c — the decisions journal on real files: written with the
 * emitter and read back (labels that YAML 1.1 takes for booleans, quotes,
 * names that are not UTF-8), a torn last document cut at every byte, a
 * whole but hostile last document (an error, not a torn one), a writer
 * killed with SIGKILL while appending, garbage, unknown ops, missing
 * fields, another dataset's journal, a copied dataset's own journal, undo,
 * the lock, where the journal of a read-only dataset goes, and batches:
 * many entries in one write, cut back whole when the write fails, undone
 * together, closed by a marker, and dropped whole when the file is cut
 * anywhere inside one. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "dataset.h"
#include "hash.h"
#include "journal.h"
#include "mangle.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

static char *
slurp(const char *path, size_t *len)
{
	char *cause = NULL, *s = read_file(path, len, &cause);
	if (s == NULL)
		die("%s", cause);
	return s;
}

static const char *
S(const struct journal *j, uint32_t off)
{
	return journal_str(j, off);
}

static const char *const odd_labels[] = { "yes", "no", "on", "off", "true", "null", "~" };
static const char nonutf8[] = "yes/\xff\xfe name.wav";
static const char quoted[] = "no/say \"know\" \\ back\tslash\nnew.wav";

static void
test_round_trip(void)
{
	struct dataset *ds;
	struct journal *j, *r;
	char *cause = NULL, *note = NULL, *text, *file;
	size_t len, i;
	long idx;
	char sha[65];

	for (i = 0; i < ARRAY_SIZE(odd_labels); i++) {
		char *p = xasprintf("rt/%s/a.wav", odd_labels[i]);
		put(p, odd_labels[i]);
		free(p);
	}
	put("rt/yes/\xff\xfe name.wav", "bytes");
	put("rt/no/say \"know\" \\ back\tslash\nnew.wav", "quotes");
	ds = open_ds("rt");
	j = journal_open(ds, NULL, &note, &cause);
	ok(j != NULL, "journal_open creates the default journal");
	if (j == NULL) {
		diag_cause:
		fprintf(stderr, "# %s\n", cause);
		return;
	}
	ok(note == NULL, "no note for a writable dataset");
	file = at("rt/.winnow/journal.yaml");
	is_str(j->file, file, "the default is ROOT/.winnow/journal.yaml");

	/* Every odd label relabelled to the next one. */
	for (i = 0; i < ARRAY_SIZE(odd_labels); i++) {
		char *p = xasprintf("%s/a.wav", odd_labels[i]);
		struct journal_draft d = { .op = JOP_RELABEL, .path = p,
			.label = odd_labels[i], .to = odd_labels[(i + 1) % ARRAY_SIZE(odd_labels)] };
		if (strcmp(odd_labels[(i + 1) % ARRAY_SIZE(odd_labels)], "~") == 0)
			d.to = "tilde";
		sha256_file(ds->rootfd, p, sha);
		d.sha256 = sha;
		idx = journal_append(j, &d, &cause);
		ok(idx >= 0, "append relabel of %s", odd_labels[i]);
		free(p);
	}
	sha256_file(ds->rootfd, nonutf8, sha);
	idx = journal_append(j, &(struct journal_draft){ .op = JOP_DELETE, .path = nonutf8,
	    .label = "yes", .sha256 = sha, .reason = "silent",
	    .note = "é \"q\" \xff not text" }, &cause);
	ok(idx >= 0, "append a delete of a name that is not UTF-8");
	sha256_file(ds->rootfd, quoted, sha);
	idx = journal_append(j, &(struct journal_draft){ .op = JOP_FLAG, .path = quoted,
	    .label = "no", .sha256 = sha, .reason = "free text: not a check",
	    .note = "line one\nline two" }, &cause);
	ok(idx >= 0, "append a flag of a name with quotes, tab, newline");
	if (idx < 0)
		goto diag_cause;

	text = slurp(file, &len);
	ok(strstr(text, "label: \"no\"\n") != NULL, "labels are double-quoted: label: \"no\"");
	ok(strstr(text, "to: \"off\"\n") != NULL, "to: \"off\" quoted");
	ok(strstr(text, "path: !!binary ") != NULL, "a non-UTF-8 path is written !!binary");
	ok(strstr(text, "reason: silent\n") != NULL, "a check name as reason stays plain");
	ok(strstr(text, "reason: \"free text: not a check\"\n") != NULL, "free text reason quoted");
	ok(strstr(text, "\n...\n") != NULL && len > 4 && memcmp(text + len - 4, "...\n", 4) == 0,
	    "every document ends with '...'");
	free(text);

	r = journal_read(file, &cause);
	ok(r != NULL, "the journal reads back");
	if (r == NULL)
		goto diag_cause;
	is_int(r->n, j->n, "as many entries");
	ok(r->torn == NULL, "nothing torn");
	for (i = 0; i < r->n && i < j->n; i++) {
		const struct journal_entry *a = &j->entries[i], *b = &r->entries[i];
		ok(a->id == b->id && a->op == b->op && strcmp(S(j, a->path), S(r, b->path)) == 0 &&
		    strcmp(S(j, a->label), S(r, b->label)) == 0 &&
		    strcmp(S(j, a->to), S(r, b->to)) == 0 &&
		    strcmp(S(j, a->note), S(r, b->note)) == 0 &&
		    strcmp(S(j, a->reason), S(r, b->reason)) == 0 &&
		    strcmp(S(j, a->by), S(r, b->by)) == 0 &&
		    strcmp(a->sha256, b->sha256) == 0 && strcmp(a->at, b->at) == 0,
		    "entry %zu the same after the round trip (%s)", i, S(r, b->path));
	}
	is_str(S(r, r->entries[1].label), "no", "label no is the string \"no\"");
	is_str(S(r, r->entries[2].to), "off", "to off is the string \"off\"");
	is_str(S(r, r->entries[7].path), nonutf8, "non-UTF-8 bytes come back");
	is_str(S(r, r->entries[8].path), quoted, "quotes, backslash, tab, newline come back");
	is_str(S(r, r->entries[7].note), "é \"q\" \xff not text", "a note with odd bytes");
	is_str(S(r, r->entries[0].by), getenv("USER") ? getenv("USER") : S(r, r->entries[0].by),
	    "by: is $USER");
	ok(strlen(r->entries[0].at) == 20, "at: is a UTC time");
	is_str(r->dataset, ds->root, "header: dataset");
	ok(r->layout == LAYOUT_FOLDERS, "header: layout folders");
	ok(journal_check_dataset(r, ds, &cause) == 0, "about this dataset");

	/* Annotations: a relabel to a label the dataset lacks adds it. */
	{
		struct annotations a = { .n = ds->nsamples };
		size_t missing = journal_annotate(r, ds, &a);
		long s = dataset_find(ds, "null/a.wav"), s2 = dataset_find(ds, nonutf8);
		long s3 = dataset_find(ds, quoted);
		is_int(missing, 0, "every decision names a sample of the dataset");
		ok(s >= 0 && a.decision[s] == DECISION_RELABEL &&
		    strcmp(dataset_label_name(ds, a.relabel_to[s]), "tilde") == 0,
		    "relabel to a new label 'tilde' is annotated, the label added");
		ok(s2 >= 0 && a.decision[s2] == DECISION_DELETE, "delete annotated");
		ok(s3 >= 0 && a.decision[s3] == DECISION_FLAG, "flag annotated");
		annotations_free(&a);
	}
	journal_free(r);
	journal_free(j);
	dataset_free(ds);
	free(file);
}

/* Plain scalars written by hand are strings too. */
static void
test_plain_scalars(void)
{
	static const char text[] =
	    "winnow-journal: 1\ndataset: /nowhere\nlayout: folders\n"
	    "---\nid: 1\nop: relabel\npath: yes/a.wav\nlabel: yes\nto: no\n"
	    "sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
	    "...\n"
	    "---\nid: 2\nop: relabel\npath: on/b.wav\nlabel: on\nto: off\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	    "note: null\n...\n";
	char *cause = NULL;
	struct journal *j = journal_read_buffer("hand.yaml", text, sizeof text - 1, &cause);
	ok(j != NULL, "a hand-written journal with plain scalars reads");
	if (j == NULL) {
		fprintf(stderr, "# %s\n", cause);
		free(cause);
		return;
	}
	is_str(S(j, j->entries[0].label), "yes", "plain yes is \"yes\"");
	is_str(S(j, j->entries[0].to), "no", "plain no is \"no\"");
	is_str(S(j, j->entries[1].to), "off", "plain off is \"off\"");
	is_str(S(j, j->entries[1].note), "null", "plain null is \"null\"");
	is_str(j->entries[0].sha256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	    "sha256 in capitals is read in lower case");
	ok(j->torn == NULL, "a journal whose header has no '...' is fine");
	journal_free(j);
}

/* A journal of n relabels, as winnow writes it. */
static char *
make_text(int n, size_t *len, size_t **ends)
{
	struct buf b = { 0 };
	struct journal *j = xcalloc(1, sizeof *j);
	struct yout *y;
	int i;

	strpool_add(&j->strings, "", 0);
	*ends = xmalloc((size_t)(n + 1) * sizeof **ends);
	y = yout_new(&b);
	journal_write_header(y, "/data/sc", LAYOUT_FOLDERS, NULL, "2026-11-27T21:00:00Z");
	(*ends)[0] = b.len;
	for (i = 0; i < n; i++) {
		struct journal_entry e = { .id = (uint32_t)i + 1, .op = JOP_RELABEL };
		char p[64];
		snprintf(p, sizeof p, "yes/%08x_nohash_%d.wav", i * 7919, i);
		e.path = strpool_add(&j->strings, p, strlen(p));
		e.label = strpool_add(&j->strings, "yes", 3);
		e.to = strpool_add(&j->strings, "no", 2);
		e.by = strpool_add(&j->strings, "alice", 5);
		e.note = i % 2 ? strpool_add(&j->strings, "says \"know\"", 11) : 0;
		memset(e.sha256, 'a' + i % 6, 64);
		snprintf(e.at, sizeof e.at, "2026-11-27T21:03:1%dZ", i % 10);
		journal_write_entry(y, j, &e, 0);
		(*ends)[i + 1] = b.len;
	}
	yout_free(y);
	strpool_free(&j->strings);
	free(j);
	*len = b.len;
	return b.data;
}

static void
test_torn_every_byte(void)
{
	size_t len, *ends, cut;
	char *text = make_text(4, &len, &ends), *cause = NULL;
	int bad = 0, torn = 0;

	/* Cut anywhere after the header: every whole document before the cut
	 * survives, a partial one is reported, nothing is an error. */
	for (cut = ends[0]; cut <= len; cut++) {
		struct journal *j = journal_read_buffer("cut.yaml", text, cut, &cause);
		size_t whole = 0, k;
		for (k = 1; k <= 4; k++)
			if (ends[k] <= cut)
				whole = k;
		if (j == NULL) {
			if (bad++ == 0)
				fprintf(stderr, "# cut at %zu: %s\n", cut, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		if (j->n != whole || (cut != ends[whole] && j->torn == NULL) ||
		    (cut == ends[whole] && j->torn != NULL) || j->good_size != ends[whole]) {
			if (bad++ == 0)
				fprintf(stderr, "# cut at %zu: %zu entries (want %zu), torn %s, "
				    "good_size %zu (want %zu)\n", cut, j->n, whole,
				    j->torn ? j->torn : "no", j->good_size, ends[whole]);
		}
		torn += j->torn != NULL;
		journal_free(j);
	}
	is_int(bad, 0, "cut at every byte after the header: earlier entries kept, the torn one skipped");
	ok(torn > 0, "torn tails were reported (%d cuts)", torn);

	/* A cut inside the header is not a journal. */
	{
		struct journal *j = journal_read_buffer("cut.yaml", text, 10, &cause);
		ok(j == NULL && cause && strstr(cause, "cut.yaml:"), "a cut header is an error (%s)",
		    cause ? cause : "none");
		free(cause);
		cause = NULL;
		journal_free(j);
	}
	free(text);
	free(ends);
}

/* Documents of simple pairs are written without libyaml, the others
 * through it, in one stream: the bytes must be those libyaml writes. */
static void
test_writer_forms(void)
{
	struct buf b = { 0 };
	struct yout *y = yout_new(&b);

	yout_doc_start(y);
	yout_plain(y, "id", "1");
	yout_string(y, "path", "yes/caf\xc3\xa9 a#b: c.wav");
	yout_doc_end(y);
	yout_doc_start(y);
	yout_string(y, "note", "a\ttab and \"quotes\"");
	yout_plain(y, "reason", "-x");
	yout_doc_end(y);
	yout_doc_start(y);
	yout_string(y, "path", "yes/\xff.wav");
	yout_doc_end(y);
	yout_doc_start(y);
	yout_plain(y, "sha256", "9f86d0");
	yout_doc_end(y);
	/* libyaml escapes what is above U+FFFF and the line separators. */
	yout_doc_start(y);
	yout_string(y, "path", "\xf0\x9f\x8e\xa4 \xe2\x80\xa8.wav");
	yout_doc_end(y);
	yout_free(y);
	is_str(buf_str(&b), "---\nid: 1\npath: \"yes/caf\xc3\xa9 a#b: c.wav\"\n...\n"
	    "---\nnote: \"a\\ttab and \\\"quotes\\\"\"\nreason: -x\n...\n"
	    "---\npath: !!binary eWVzL/8ud2F2\n...\n"
	    "---\nsha256: 9f86d0\n...\n"
	    "---\npath: \"\\U0001F3A4 \\L.wav\"\n...\n", "simple and escaped documents, in one stream");
	buf_free(&b);
}

/* Read text that must fail; the message must name the file and this line. */
static void
expect_error(const char *what, const char *text, size_t line, const char *words)
{
	char *cause = NULL, want[32];
	struct journal *j = journal_read_buffer("bad.yaml", text, strlen(text), &cause);
	snprintf(want, sizeof want, "bad.yaml:%zu:", line);
	ok(j == NULL && cause && strncmp(cause, want, strlen(want)) == 0 &&
	    (words == NULL || strstr(cause, words)), "%s: %s", what, cause ? cause : "(accepted)");
	journal_free(j);
	free(cause);
}

#define HEAD "---\nwinnow-journal: 1\ndataset: \"/data/sc\"\nlayout: folders\n...\n"
#define GOOD(id) "---\nid: " #id "\nop: delete\npath: \"yes/a.wav\"\nlabel: \"yes\"\n" \
	"sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n"

/* Journals as winnow writes them are read without libyaml (ten times as
 * fast); what they yield must not depend on that: documents closed by
 * "..." or by the next "---", non-ASCII and YAML-looking text in quotes,
 * and streams that must go the long way (a key twice, a bad byte). */
static void
test_simple_streams(void)
{
	static const char *const paths[] = {
		"yes/caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8e\xa4.wav", "yes/a b#c: d.wav",
		"yes/- [x] {y}, z'.wav", "yes/1e3", "yes/...",
	};
	struct buf b = { 0 }, open_b = { 0 };
	struct journal *j;
	char *cause = NULL, *line;
	size_t i, cut;

	buf_adds(&b, "---\nwinnow-journal: 1\ndataset: \"/data/sc\"\nlayout: folders\n"
	    "created: 2026-11-27T21:00:00Z\n...\n");
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		buf_addf(&b, "---\nid: %zu\nop: relabel\npath: \"%s\"\nlabel: yes\nto: \"no\"\n"
		    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
		    "at: 2026-11-27T21:03:10Z\nby: \"alice\"\n...\n", i + 1, paths[i]);
	/* The same without the "..." lines, which winnow-journal(5) allows. */
	for (line = b.data; line < b.data + b.len; line = strchr(line, '\n') + 1)
		if (strncmp(line, "...\n", 4) != 0)
			buf_add(&open_b, line, (size_t)(strchr(line, '\n') + 1 - line));

	j = journal_read_buffer("s.yaml", b.data, b.len, &cause);
	ok(j && j->n == ARRAY_SIZE(paths) && !j->torn && j->good_size == b.len,
	    "closed documents: all read, nothing torn (%s)", cause ? cause : "ok");
	for (i = 0; j && i < j->n && i < ARRAY_SIZE(paths); i++)
		is_str(S(j, j->entries[i].path), paths[i], "the path comes back as written");
	journal_free(j);

	j = journal_read_buffer("s.yaml", open_b.data, open_b.len, &cause);
	ok(j && j->n == ARRAY_SIZE(paths) && !j->torn && j->good_size == open_b.len,
	    "documents without '...': all read, the last one too (%s)", cause ? cause : "ok");
	for (i = 0; j && i < j->n && i < ARRAY_SIZE(paths); i++)
		is_str(S(j, j->entries[i].path), paths[i], "the path comes back as written");
	journal_free(j);

	/* Without "...", a last document cut where it is no longer YAML (in
	 * its quoted path, line 5 + 9 × 4 + 4) is a torn one. */
	for (cut = 0, line = open_b.data; (line = strstr(line, "path: \"")) != NULL; line++)
		cut = (size_t)(line - open_b.data) + 10;
	j = journal_read_buffer("s.yaml", open_b.data, cut, &cause);
	ok(j && j->n == ARRAY_SIZE(paths) - 1 && j->torn && strstr(j->torn, "s.yaml:45:"),
	    "a last document without '...' that is not YAML is torn, on its line (%s)",
	    j && j->torn ? j->torn : cause ? cause : "none");
	journal_free(j);
	/* Cut in its sha256 it is still YAML: whole, and a bad sha256 is an
	 * error, not a torn write. */
	for (cut = 0, line = open_b.data; (line = strstr(line, "sha256: ")) != NULL; line++)
		cut = (size_t)(line - open_b.data) + 20;
	j = journal_read_buffer("s.yaml", open_b.data, cut, &cause);
	ok(j == NULL && cause && strstr(cause, "s.yaml:48: sha256"),
	    "a last document without '...' that is YAML but invalid is an error (%s)",
	    cause ? cause : j && j->torn ? j->torn : "accepted");
	free(cause);
	cause = NULL;
	journal_free(j);

	expect_error("a key twice in a simple stream",
	    HEAD "---\nid: 1\nop: delete\nop: delete\n...\n", 9, "given twice");
	expect_error("a bad byte in a simple stream",
	    HEAD "---\nid: 1\nop: delete\npath: \"yes/\xff.wav\"\n...\n", 1, "UTF-8");
	buf_free(&b);
	buf_free(&open_b);
}

/* The two readers of a stream, winnow's own for its simple documents and
 * libyaml for everything, must agree on every stream: the same entries,
 * the same torn tail, the same error. Streams made by cutting, flipping,
 * doubling and dropping bytes and lines of a journal, with a fixed seed. */
static int
same_journal(const char *text, size_t len, char **why)
{
	struct journal *a, *b;
	char *ca = NULL, *cb = NULL;
	size_t i;
	int same;

	ydoc_libyaml_only = 0;
	a = journal_read_buffer("f.yaml", text, len, &ca);
	ydoc_libyaml_only = 1;
	b = journal_read_buffer("f.yaml", text, len, &cb);
	ydoc_libyaml_only = 0;
	same = (a == NULL) == (b == NULL);
	if (same && a == NULL)
		same = strcmp(ca, cb) == 0;
	if (same && a != NULL) {
		same = a->n == b->n && (a->torn == NULL) == (b->torn == NULL) &&
		    (a->torn == NULL || strcmp(a->torn, b->torn) == 0) &&
		    a->good_size == b->good_size && strcmp(a->dataset, b->dataset) == 0;
		for (i = 0; same && i < a->n; i++) {
			const struct journal_entry *x = &a->entries[i], *y = &b->entries[i];
			same = x->id == y->id && x->op == y->op && x->line == y->line &&
			    x->batch == y->batch && strcmp(x->sha256, y->sha256) == 0 &&
			    strcmp(x->at, y->at) == 0 && strcmp(S(a, x->path), S(b, y->path)) == 0 &&
			    strcmp(S(a, x->label), S(b, y->label)) == 0 &&
			    strcmp(S(a, x->to), S(b, y->to)) == 0 &&
			    strcmp(S(a, x->by), S(b, y->by)) == 0 &&
			    strcmp(S(a, x->note), S(b, y->note)) == 0;
		}
	}
	if (!same)
		*why = xasprintf("own: %s, libyaml: %s", a ? (a->torn ? a->torn : "read") : ca,
		    b ? (b->torn ? b->torn : "read") : cb);
	journal_free(a);
	journal_free(b);
	free(ca);
	free(cb);
	return same;
}

static void
test_readers_agree(void)
{
	static const char *const bits[] = { "---\n", "...\n", "\"", "\\", ": ", "#", "\n",
		"\r\n", " ", "\xc3\xa9", "\xff", "\xf8\x80\x80", "\xe2\x80\xa8", "\xf0\x9f\x8e\xa4",
		"\xed\xa0\x80", "-", "key: v\n", "id: 7\n", "op: undo\n" };
	struct buf base[2] = { { 0 }, { 0 } }, t = { 0 };
	unsigned seed = 12345;
	size_t i, k, n, bad = 0, tried = 0;
	char *why = NULL;

	/* Documents closed by "..." as winnow writes them, and not, as
	 * winnow-journal(5) allows. */
	for (k = 0; k < 2; k++) {
		buf_adds(&base[k], k ? "---\nwinnow-journal: 1\ndataset: \"/data/sc\"\n"
		    "layout: folders\n" : HEAD);
		for (i = 1; i <= 6; i++)
			buf_addf(&base[k], "---\nid: %zu\nop: relabel\npath: \"yes/%zu \xc3\xa9.wav\"\n"
			    "label: yes\nto: \"no\"\nsha256: 9f86d081884c7d659a2feaa0c55ad015a3bf"
			    "4f1b2b0b822cd15d6c15b0f00a08\nat: 2026-11-27T21:03:1%zuZ\nby: \"ann\"\n%s",
			    i, i, i, k ? "" : "...\n");
	}
	for (k = 0; k < 3000; k++) {
		t.len = 0;
		buf_add(&t, base[k % 2].data, base[k % 2].len);
		for (n = 1 + k % 3; n > 0; n--)
			mangle(&t, 0, &seed, bits, ARRAY_SIZE(bits));
		tried++;
		if (!same_journal(t.data ? t.data : "", t.len, &why)) {
			if (bad++ == 0) {
				fprintf(stderr, "# they differ (%s) on:\n", why);
				fwrite(t.data, 1, t.len, stderr);
				fprintf(stderr, "\n# (end)\n");
			}
			free(why);
			why = NULL;
		}
	}
	is_int((long long)bad, 0, "winnow's reader and libyaml agree on 3,000 mangled journals");
	ok(tried == 3000, "all were tried");
	buf_free(&base[0]);
	buf_free(&base[1]);
	buf_free(&t);
}

static void
test_bad_journals(void)
{
	expect_error("garbage YAML in the middle", HEAD GOOD(1) "---\nid: 2\nop: [delete\n...\n"
	    GOOD(3), 15, "not a list");
	expect_error("unknown op", HEAD GOOD(1) "---\nid: 2\nop: destroy\npath: \"a/b\"\n...\n"
	    GOOD(3), 15, "unknown op 'destroy'");
	expect_error("unknown op in the last, closed document",
	    HEAD "---\nid: 2\nop: destroy\npath: \"a/b\"\n...\n", 8, "unknown op");
	expect_error("relabel without to", HEAD "---\nid: 1\nop: relabel\npath: \"yes/a\"\n"
	    "label: \"yes\"\nsha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	    "...\n" GOOD(2), 6, "without 'to'");
	expect_error("delete without sha256", HEAD "---\nid: 1\nop: delete\npath: \"yes/a\"\n"
	    "label: \"yes\"\n...\n", 6, "sha256");
	expect_error("entry without id", HEAD "---\nop: delete\n...\n", 6, "without 'id'");
	expect_error("ids that go back", HEAD GOOD(2) GOOD(1), 14, "must increase");
	expect_error("bad sha256", HEAD "---\nid: 1\nop: accept\npath: \"yes/a\"\n"
	    "label: \"yes\"\nsha256: xyz\n...\n", 11, "64 hex");
	expect_error("absolute path", HEAD "---\nid: 1\nop: note\npath: \"/etc/passwd\"\n"
	    "note: \"x\"\n...\n", 9, "absolute");
	expect_error("path with ..", HEAD "---\nid: 1\nop: note\npath: \"yes/../../x\"\n"
	    "note: \"x\"\n...\n", 9, "'..'");
	expect_error("relabel to a path", HEAD "---\nid: 1\nop: relabel\npath: \"yes/a\"\n"
	    "label: \"yes\"\nto: \"../etc\"\nsha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	    "...\n", 11, "folder name");
	expect_error("undo of nothing", HEAD "---\nid: 1\nop: undo\ntarget: 7\n...\n", 9, "target");
	expect_error("a list value", HEAD "---\nid: 1\nop: note\npath: [a, b]\n...\n", 9, "not a list");
	expect_error("a key given twice", HEAD "---\nid: 1\nid: 2\n...\n", 8, "twice");
	expect_error("not a journal", "---\nfoo: bar\n...\n", 1, "not a winnow journal");
	expect_error("a newer format", "---\nwinnow-journal: 3\ndataset: /x\n...\n", 2, "format 3");
	expect_error("binary garbage", "\x01\x02\x03\xff\xfe garbage", 1, NULL);

	expect_error("a mapping as the header's value", "---\nwinnow-journal: {a: 1}\n...\n", 2,
	    "not a mapping");
	expect_error("garbage before a good document", HEAD "%%%: : :\n  - [\n" GOOD(1), 6, NULL);
	{
		char *cause = NULL;
		struct journal *j = journal_read_buffer("bad.yaml", "", 0, &cause);
		ok(j == NULL && cause && strstr(cause, "bad.yaml: empty"), "an empty file: %s",
		    cause ? cause : "(accepted)");
		free(cause);
	}
}

/* Journals written without "...": the last document counts when whole. */
static void
test_unclosed(void)
{
	static const char whole[] =
	    "---\nwinnow-journal: 1\ndataset: /data/sc\n"
	    "---\nid: 1\nop: accept\npath: yes/a.wav\nlabel: yes\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	    "---\nid: 2\nop: flag\npath: \"yes/b.wav\"\nlabel: yes\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
	char *cause = NULL, *cut;
	struct journal *j = journal_read_buffer("plain.yaml", whole, sizeof whole - 1, &cause);
	ok(j && j->n == 2 && j->torn == NULL,
	    "written without '...': the last document counts when whole");
	journal_free(j);
	/* Cut inside the last sha256: still YAML, so whole, and invalid: an
	 * error on the value's line. */
	cut = xstrndup(whole, sizeof whole - 1 - 20);
	j = journal_read_buffer("plain.yaml", cut, strlen(cut), &cause);
	ok(j == NULL && cause && strstr(cause, "plain.yaml:15: sha256"),
	    "written without '...': a last document that parses but is invalid is an "
	    "error (%s)", cause ? cause : j && j->torn ? j->torn : "accepted");
	free(cause);
	cause = NULL;
	journal_free(j);
	free(cut);
	/* Cut inside a quoted value: not YAML, so torn; the first stays. */
	cut = xstrndup(whole, (size_t)(strstr(whole, "yes/b.wav") - whole) + 4);
	j = journal_read_buffer("plain.yaml", cut, strlen(cut), &cause);
	ok(j && j->n == 1 && j->torn && strstr(j->torn, "plain.yaml:13:"),
	    "written without '...': a last document cut short is torn (%s)",
	    j && j->torn ? j->torn : cause ? cause : "not torn");
	journal_free(j);
	free(cut);
}

static void
test_undo(void)
{
	static const char text[] = HEAD
	    "---\nid: 1\nop: relabel\npath: \"yes/a\"\nlabel: \"yes\"\nto: \"no\"\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n"
	    "---\nid: 2\nop: delete\npath: \"yes/a\"\nlabel: \"yes\"\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n"
	    "---\nid: 3\nop: flag\npath: \"yes/b\"\nlabel: \"yes\"\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n"
	    "---\nid: 4\nop: undo\ntarget: 2\n...\n"
	    "---\nid: 5\nop: note\npath: \"yes/b\"\nnote: \"hmm\"\n...\n"
	    "---\nid: 6\nop: undo\ntarget: 3\n...\n";
	char *cause = NULL;
	struct journal *j = journal_read_buffer("u.yaml", text, sizeof text - 1, &cause);
	const struct journal_entry *e, **all;
	size_t counts[JOP_NOTE];

	ok(j != NULL, "a journal with undos reads");
	if (j == NULL)
		return;
	e = journal_standing(j, "yes/a");
	ok(e && e->op == JOP_RELABEL && e->id == 1, "undo of the delete: the relabel stands again");
	ok(journal_standing(j, "yes/b") == NULL, "undo of the flag: nothing stands (a note is no decision)");
	e = journal_last_undoable(j);
	ok(e && e->id == 5, "the next undo would cancel the note");
	is_int(journal_standing_all(j, &all), 1, "one standing decision");
	free(all);
	journal_counts(j, counts);
	ok(counts[JOP_RELABEL] == 1 && counts[JOP_DELETE] == 0 && counts[JOP_FLAG] == 0, "counts");
	journal_free(j);
	expect_error("undo of an undo", HEAD GOOD(1) "---\nid: 2\nop: undo\ntarget: 1\n...\n"
	    "---\nid: 3\nop: undo\ntarget: 2\n...\n", 21, "undo of an undo");
}

static void
test_other_dataset_and_lock(void)
{
	struct dataset *ds, *other;
	struct journal *j, *j2;
	char *cause = NULL, *file;

	put("ds1/yes/a.wav", "a");
	put("ds2/yes/a.wav", "a");
	ds = open_ds("ds1");
	other = open_ds("ds2");
	j = journal_open(ds, NULL, NULL, &cause);
	ok(j != NULL, "journal of ds1 opened");
	j2 = journal_open(ds, NULL, NULL, &cause);
	ok(j2 == NULL && cause && strstr(cause, "in use by another winnow"),
	    "a second writer is refused: %s", cause ? cause : "(accepted)");
	free(cause);
	cause = NULL;
	journal_free(j2);
	journal_free(j);
	j = journal_open(ds, NULL, NULL, &cause);
	ok(j != NULL, "after the first closes, the journal opens again");
	journal_free(j);

	file = at("ds1/.winnow/journal.yaml");
	j = journal_open(other, file, NULL, &cause);
	ok(j == NULL && cause && strstr(cause, "journal.yaml: this journal is about the dataset"),
	    "another dataset's journal (in its .winnow) is refused: %s",
	    cause ? cause : "(accepted)");
	free(cause);
	cause = NULL;
	journal_free(j);
	free(file);
	dataset_free(ds);
	dataset_free(other);
}

/* Append after a torn tail: the tail is cut off (kept aside), the new entry
 * is whole. */
static void
test_append_after_torn(void)
{
	struct dataset *ds;
	struct journal *j;
	char *cause = NULL, *note = NULL, *file, *text, sha[65];
	size_t len;
	FILE *f;

	put("tt/yes/a.wav", "a");
	ds = open_ds("tt");
	j = journal_open(ds, NULL, NULL, &cause);
	sha256_file(ds->rootfd, "yes/a.wav", sha);
	journal_append(j, &(struct journal_draft){ .op = JOP_ACCEPT, .path = "yes/a.wav",
	    .label = "yes", .sha256 = sha }, &cause);
	journal_free(j);
	file = at("tt/.winnow/journal.yaml");
	f = fopen(file, "a");
	fputs("---\nid: 2\nop: delete\npath: \"yes/a.w", f);
	fclose(f);

	j = journal_open(ds, NULL, &note, &cause);
	ok(j != NULL && note && strstr(note, "incomplete") && strstr(note, ".torn"),
	    "reopening reports the torn tail: %s", note ? note : "(none)");
	ok(j && j->n == 1, "the whole entry before it survives");
	if (j)
		journal_append(j, &(struct journal_draft){ .op = JOP_FLAG, .path = "yes/a.wav",
		    .label = "yes", .sha256 = sha }, &cause);
	journal_free(j);
	free(note);
	j = journal_read(file, &cause);
	ok(j && j->n == 2 && j->torn == NULL && j->entries[1].op == JOP_FLAG,
	    "the next append is whole, nothing torn left");
	journal_free(j);
	text = at("tt/.winnow/journal.yaml.torn");
	free(slurp(text, &len));
	is_int(len, 35, "the torn bytes are kept in journal.yaml.torn");
	free(text);
	free(file);
	dataset_free(ds);
}

static off_t
size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* relabel-shown's batch: one write for all its entries, each naming the
 * batch, read back as such; one undo set cancels them all; a write that
 * fails leaves no entry of the batch behind. */
static void
test_batch(void)
{
	static const char *const names[] = { "yes/a.wav", "yes/b.wav", "yes/c.wav" };
	struct journal_draft d[3] = { 0 }, undo[3] = { 0 };
	const struct journal_entry **set;
	struct dataset *ds;
	struct journal *j, *r;
	struct rlimit old, lim;
	char *cause = NULL, *file, sha[3][65], when[24], *rel;
	size_t i, n;
	off_t before;
	uint32_t first;
	int good;

	for (i = 0; i < 3; i++) {
		rel = xasprintf("bt/%s", names[i]);
		put(rel, names[i]);
		free(rel);
	}
	put("bt/no/d.wav", "d");
	ds = open_ds("bt");
	j = journal_open(ds, NULL, NULL, &cause);
	ok(j != NULL, "batch: the journal opens");
	if (j == NULL)
		return;
	file = xstrdup(j->file);
	sha256_file(ds->rootfd, "no/d.wav", sha[0]);
	journal_append(j, &(struct journal_draft){ .op = JOP_ACCEPT, .path = "no/d.wav",
	    .label = "no", .sha256 = sha[0] }, &cause);

	first = journal_next_id(j);
	for (i = 0; i < 3; i++) {
		sha256_file(ds->rootfd, names[i], sha[i]);
		d[i] = (struct journal_draft){ .op = JOP_RELABEL, .path = names[i],
			.label = "yes", .to = "no", .sha256 = sha[i], .batch = first };
	}
	utc_now(when, sizeof when);
	ok(journal_write_drafts(j, d, 3, first, when, &cause) == 0, "batch: three entries written");
	for (i = 0; i < 3; i++)
		journal_commit(j, &d[i], first + (uint32_t)i, when);
	n = journal_undo_set(j, &set);
	good = n == 3;
	for (i = 0; good && i < n; i++)
		good = set[i]->id == first + i && set[i]->batch == first;
	ok(good, "batch: u would cancel the three, in order (%zu)", n);
	free(set);

	r = journal_read(file, &cause);
	ok(r && r->n == 4, "batch: read back, four entries");
	good = r != NULL && r->entries[0].batch == 0;
	for (i = 1; good && i < 4; i++)
		good = r->entries[i].batch == first && r->entries[i].op == JOP_RELABEL &&
		    strcmp(S(r, r->entries[i].path), names[i - 1]) == 0;
	ok(good, "batch: each entry of the batch names it, the accept before does not");
	n = r ? journal_undo_set(r, &set) : 0;
	ok(n == 3, "batch: read back, u would still cancel the three (%zu)", n);
	if (r) {
		struct buf kept = { 0 }, renumbered = { 0 };
		struct yout *y = yout_new(&kept);
		journal_write_entry(y, r, &r->entries[1], 0);
		yout_free(y);
		y = yout_new(&renumbered);
		journal_write_entry(y, r, &r->entries[1], 50);
		yout_free(y);
		rel = xasprintf("\nbatch: %u\n", first);
		ok(strstr(buf_str(&kept), rel) && !strstr(buf_str(&renumbered), "batch:"),
		    "batch: written again, an entry keeps its batch, unless renumbered (merge)");
		free(rel);
		buf_free(&kept);
		buf_free(&renumbered);
		free(set);
	}
	journal_free(r);

	/* The undo of a batch is a batch of undos. */
	for (i = 0; i < 3; i++)
		undo[i] = (struct journal_draft){ .op = JOP_UNDO, .target = first + (uint32_t)i };
	ok(journal_write_drafts(j, undo, 3, first + 3, when, &cause) == 0,
	    "batch: three undos written");
	for (i = 0; i < 3; i++)
		journal_commit(j, &undo[i], first + 3 + (uint32_t)i, when);
	r = journal_read(file, &cause);
	good = r != NULL;
	for (i = 0; good && i < 3; i++)
		good = journal_standing(r, names[i]) == NULL;
	ok(good, "batch: after the undos nothing stands on the three");
	n = r ? journal_undo_set(r, &set) : 0;
	ok(n == 1 && set[0]->op == JOP_ACCEPT, "batch: the next u cancels the accept alone");
	if (r)
		free(set);
	journal_free(r);

	/* A write cut short (the file size limit, as a full disk would) is
	 * taken back whole. */
	before = size_of(file);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)before + 100;
	setrlimit(RLIMIT_FSIZE, &lim);
	d[0].batch = d[1].batch = d[2].batch = first + 6;
	good = journal_write_drafts(j, d, 3, first + 6, when, &cause) != 0;
	ok(good && cause && strstr(cause, "cannot write the decisions"),
	    "batch: a failed write is an error: %s", cause ? cause : "(none)");
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	free(cause);
	cause = NULL;
	is_int(size_of(file), before, "batch: the file is cut back to where it was");
	r = journal_read(file, &cause);
	ok(r && r->n == 7 && r->torn == NULL, "batch: and reads whole, without the batch");
	journal_free(r);
	journal_free(j);

	r = journal_read(file, &cause);
	ok(r && journal_write_drafts(r, d, 3, 99, when, &cause) != 0 && cause &&
	    strstr(cause, "not open for writing"), "batch: a journal only read cannot be written");
	free(cause);
	journal_free(r);

	expect_error("a batch after its entry", HEAD GOOD(1) "---\nid: 2\nbatch: 3\nop: delete\n"
	    "path: \"yes/a.wav\"\nlabel: \"yes\"\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n",
	    15, "batch '3'");
	expect_error("a batch naming an entry of no batch", HEAD GOOD(1) "---\nid: 2\nbatch: 1\n"
	    "op: delete\npath: \"yes/a.wav\"\nlabel: \"yes\"\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n",
	    15, "batch '1'");
	free(file);
	dataset_free(ds);
}

/* A last document that is whole but hostile is an error, by either reader,
 * never skipped as if a crash had cut it: only a document cut short is
 * torn. */
static void
test_hostile_last(void)
{
	static const char open_hostile[] =
	    "---\nwinnow-journal: 1\ndataset: /data/sc\nlayout: folders\n"
	    "---\nid: 1\nop: accept\npath: yes/a.wav\nlabel: yes\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	    "---\nid: 2\nop: delete\npath: \"../outside/canary.wav\"\nlabel: \"yes\"\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
	static const char open_libyaml[] =
	    "---\nwinnow-journal: 1\ndataset: /data/sc\nlayout: folders\n"
	    "# a comment: libyaml reads this one\n"
	    "---\nid: 1\nop: delete\npath: '../outside/canary.wav'\nlabel: yes\n"
	    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
	int libyaml;

	for (libyaml = 0; libyaml <= 1; libyaml++) {
		ydoc_libyaml_only = libyaml;
		expect_error(libyaml ? "libyaml: a hostile last entry without '...'" :
		    "a hostile last entry without '...'", open_hostile, 14, "'..'");
		expect_error(libyaml ? "libyaml: a hostile last entry, closed" :
		    "a hostile last entry, closed", HEAD GOOD(1) "---\nid: 2\nop: delete\n"
		    "path: \"../outside/canary.wav\"\nlabel: \"yes\"\nsha256: "
		    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n...\n",
		    16, "'..'");
		expect_error(libyaml ? "libyaml: a last entry without '...' missing a key" :
		    "a last entry without '...' missing a key",
		    "---\nwinnow-journal: 1\ndataset: /data/sc\n---\nid: 1\nop: flag\n"
		    "path: yes/a.wav\nlabel: yes\n", 4, "without 'sha256'");
		expect_error(libyaml ? "libyaml: a last entry without '...' with a list" :
		    "a last entry without '...' with a list",
		    "---\nwinnow-journal: 1\ndataset: /data/sc\n---\nid: 1\nop: [flag]\n", 6,
		    "not a list");
		expect_error(libyaml ? "libyaml: a stream of its own, hostile last" :
		    "a stream of its own, hostile last", open_libyaml, 9, "'..'");
	}
	ydoc_libyaml_only = 0;
}

/* Nothing of a batch stands when the file is cut anywhere inside it: the
 * batch's marker is the last thing written, and a batch read without it
 * at the end is dropped whole, by either reader, and cut off by the next
 * writer. */
static void
test_batch_cut(void)
{
	enum { N = 12 };
	struct journal_draft d[N], undo[N];
	struct dataset *ds;
	struct journal *j, *r;
	char *cause = NULL, *note = NULL, *file, *text, *full, *names[N], sha[N][65], acc[65];
	char when[24];
	size_t len, full_len, start, undo_start, cut, i;
	uint32_t first;
	int bad = 0, libyaml, good;

	for (i = 0; i < N; i++) {
		names[i] = xasprintf("yes/%02zu.wav", i);
		char *rel = xasprintf("bc/%s", names[i]);
		put(rel, names[i]);
		free(rel);
	}
	put("bc/no/keep.wav", "keep");
	ds = open_ds("bc");
	j = journal_open(ds, NULL, NULL, &cause);
	ok(j != NULL, "batch cut: the journal opens");
	if (j == NULL)
		return;
	file = xstrdup(j->file);
	text = slurp(file, &len);
	ok(strstr(text, "\nwinnow-journal: 2\n") != NULL, "a new journal is format 2");
	free(text);
	sha256_file(ds->rootfd, "no/keep.wav", acc);
	journal_append(j, &(struct journal_draft){ .op = JOP_ACCEPT, .path = "no/keep.wav",
	    .label = "no", .sha256 = acc }, &cause);
	start = (size_t)size_of(file);
	first = journal_next_id(j);
	utc_now(when, sizeof when);
	for (i = 0; i < N; i++) {
		sha256_file(ds->rootfd, names[i], sha[i]);
		d[i] = (struct journal_draft){ .op = JOP_RELABEL, .path = names[i],
			.label = "yes", .to = "no", .sha256 = sha[i], .batch = first };
	}
	ok(journal_write_drafts(j, d, N, first, when, &cause) == 0, "batch of %d written", N);
	for (i = 0; i < N; i++)
		journal_commit(j, &d[i], first + (uint32_t)i, when);
	full = slurp(file, &full_len);
	ok(strstr(full, "\nop: batch-end\n") != NULL && strncmp(full + full_len - 4, "...\n", 4) == 0,
	    "the batch ends with its marker");

	for (libyaml = 0; libyaml <= 1; libyaml++) {
		ydoc_libyaml_only = libyaml;
		bad = 0;
		for (cut = start + 1; cut < full_len; cut++) {
			r = journal_read_buffer("cut.yaml", full, cut, &cause);
			good = r != NULL && r->n == 1 && r->torn != NULL &&
			    r->good_size == start && journal_standing(r, "no/keep.wav") != NULL;
			for (i = 0; good && i < N; i++)
				good = journal_standing(r, names[i]) == NULL;
			if (!good && bad++ == 0)
				fprintf(stderr, "# cut at %zu of %zu: %s\n", cut, full_len,
				    r ? (r->torn ? r->torn : "not torn") : cause);
			free(cause);
			cause = NULL;
			journal_free(r);
		}
		ok(bad == 0, "%s: cut anywhere inside the batch, no member of it stands, "
		    "the accept before it does (%d cuts wrong)", libyaml ? "libyaml" : "own reader",
		    bad);
		r = journal_read_buffer("cut.yaml", full, full_len, &cause);
		good = r != NULL && r->n == N + 1 && r->torn == NULL;
		for (i = 0; good && i < N; i++)
			good = journal_standing(r, names[i]) != NULL;
		ok(good, "%s: whole, every member stands", libyaml ? "libyaml" : "own reader");
		journal_free(r);
	}
	ydoc_libyaml_only = 0;
	r = journal_read_buffer("cut.yaml", full, full_len - 40, &cause);
	ok(r && r->torn && strstr(r->torn, "the last batch is incomplete") &&
	    strstr(r->torn, "dropped whole"), "reported like a torn write: %s",
	    r && r->torn ? r->torn : "(not)");
	journal_free(r);

	/* Undone as a batch, the undo is cut: the relabels stand again. */
	for (i = 0; i < N; i++)
		undo[i] = (struct journal_draft){ .op = JOP_UNDO, .target = first + (uint32_t)i,
			.batch = first + N };
	undo_start = (size_t)size_of(file);
	ok(journal_write_drafts(j, undo, N, first + N, when, &cause) == 0, "the undo batch written");
	journal_free(j);
	free(full);
	full = slurp(file, &full_len);
	bad = 0;
	for (cut = undo_start + 1; cut < full_len; cut += 7) {
		r = journal_read_buffer("cut.yaml", full, cut, &cause);
		good = r != NULL && r->n == N + 1 && r->good_size == undo_start;
		for (i = 0; good && i < N; i++)
			good = journal_standing(r, names[i]) != NULL;
		bad += !good;
		free(cause);
		cause = NULL;
		journal_free(r);
	}
	is_int(bad, 0, "an undo batch cut short: none of its undos counts");
	r = journal_read_buffer("cut.yaml", full, full_len, &cause);
	good = r != NULL;
	for (i = 0; good && i < N; i++)
		good = journal_standing(r, names[i]) == NULL;
	ok(good, "the undo batch whole: nothing of the batch stands");
	journal_free(r);

	/* The next writer cuts the broken batch off and keeps its bytes aside. */
	if (truncate(file, (off_t)(start + (undo_start - start) / 2)) != 0)
		die("truncate: %s", strerror(errno));
	j = journal_open(ds, NULL, &note, &cause);
	ok(j && note && strstr(note, "the last batch is incomplete"), "reopened: %s",
	    note ? note : cause ? cause : "no note");
	is_int(size_of(file), (long long)start, "the file is cut back to before the batch");
	good = j != NULL && j->n == 1;
	for (i = 0; good && i < N; i++)
		good = journal_standing(j, names[i]) == NULL;
	ok(good, "reopened: no member of the batch stands");
	ok(j && journal_append(j, &(struct journal_draft){ .op = JOP_FLAG, .path = names[0],
	    .label = "yes", .sha256 = sha[0] }, &cause) >= 0, "and the next decision is appended");
	journal_free(j);
	r = journal_read(file, &cause);
	ok(r && r->n == 2 && r->torn == NULL, "read back whole");
	journal_free(r);
	free(note);
	text = at("bc/.winnow/journal.yaml.torn");
	ok(size_of(text) > 0, "the cut bytes are kept in journal.yaml.torn");
	free(text);
	free(full);
	free(file);
	for (i = 0; i < N; i++)
		free(names[i]);
	dataset_free(ds);
}

/* Markers that do not fit, a batch left open in the middle, and a format 1
 * journal, whose batches stand as written and get no marker. */
static void
test_batch_markers(void)
{
#define HEAD2 "---\nwinnow-journal: 2\ndataset: \"/data/sc\"\nlayout: folders\n...\n"
#define MEMBER(id, batch, path) "---\nid: " #id "\nop: relabel\npath: \"" path "\"\n" \
	"label: \"yes\"\nto: \"no\"\nsha256: " \
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nbatch: " #batch "\n...\n"
#define END(batch, count) "---\nop: batch-end\nbatch: " #batch "\ncount: " #count "\n...\n"
	struct dataset *ds;
	struct journal *j, *r;
	struct journal_draft d[2];
	char *cause = NULL, *text, sha[65], when[24];
	size_t len;
	int libyaml;

	for (libyaml = 0; libyaml <= 1; libyaml++) {
		ydoc_libyaml_only = libyaml;
		r = journal_read_buffer("ok.yaml", HEAD2 MEMBER(1, 1, "yes/a") MEMBER(2, 1, "yes/b")
		    END(1, 2) GOOD(3), strlen(HEAD2 MEMBER(1, 1, "yes/a") MEMBER(2, 1, "yes/b")
		    END(1, 2) GOOD(3)), &cause);
		ok(r && r->n == 3 && !r->torn && journal_standing(r, "yes/b"),
		    "%s: a closed batch in the middle stands", libyaml ? "libyaml" : "own reader");
		journal_free(r);
		expect_error("a batch without its marker in the middle", HEAD2 MEMBER(1, 1, "yes/a")
		    MEMBER(2, 1, "yes/b") GOOD(3), 24, "no batch-end");
		expect_error("a marker whose count is wrong", HEAD2 MEMBER(1, 1, "yes/a")
		    MEMBER(2, 1, "yes/b") END(1, 3), 27, "count '3'");
		expect_error("a marker of another batch", HEAD2 MEMBER(1, 1, "yes/a") END(2, 1),
		    17, "not the batch open");
		expect_error("a marker in a format 1 journal", HEAD MEMBER(1, 1, "yes/a") END(1, 1),
		    15, "format 1");
		expect_error("a member after its marker", HEAD2 MEMBER(1, 1, "yes/a") END(1, 1)
		    MEMBER(2, 1, "yes/b"), 20, "already closed");
		r = journal_read_buffer("v1.yaml", HEAD MEMBER(1, 1, "yes/a") MEMBER(2, 1, "yes/b"),
		    strlen(HEAD MEMBER(1, 1, "yes/a") MEMBER(2, 1, "yes/b")), &cause);
		ok(r && r->n == 2 && !r->torn && journal_standing(r, "yes/b"),
		    "%s: format 1: a batch stands as written", libyaml ? "libyaml" : "own reader");
		journal_free(r);
	}
	ydoc_libyaml_only = 0;

	/* Appending to a format 1 journal keeps it format 1. */
	put("v1/yes/a.wav", "a");
	put("v1/yes/b.wav", "b");
	ds = open_ds("v1");
	text = xasprintf("---\nwinnow-journal: 1\ndataset: \"%s\"\nlayout: folders\n...\n",
	    ds->root);
	put("v1/.winnow/journal.yaml", text);
	free(text);
	j = journal_open(ds, NULL, NULL, &cause);
	ok(j != NULL, "a format 1 journal opens (%s)", cause ? cause : "ok");
	if (j) {
		uint32_t first = journal_next_id(j);
		sha256_file(ds->rootfd, "yes/a.wav", sha);
		utc_now(when, sizeof when);
		d[0] = (struct journal_draft){ .op = JOP_RELABEL, .path = "yes/a.wav",
			.label = "yes", .to = "no", .sha256 = sha, .batch = first };
		d[1] = d[0];
		d[1].path = "yes/b.wav";
		ok(journal_write_drafts(j, d, 2, first, when, &cause) == 0, "a batch written to it");
		text = slurp(j->file, &len);
		ok(strstr(text, "winnow-journal: 1\n") && !strstr(text, "batch-end"),
		    "it stays format 1, without a marker");
		free(text);
		r = journal_read(j->file, &cause);
		ok(r && r->n == 2 && journal_standing(r, "yes/b.wav"), "and reads back");
		journal_free(r);
	}
	journal_free(j);
	dataset_free(ds);
#undef HEAD2
#undef MEMBER
#undef END
}

/* A journal in a dataset's .winnow belongs to that dataset wherever the
 * folder is copied: the copy's journal is the copy's, whatever its header
 * says; a journal kept elsewhere names its dataset in its header. */
static void
test_identity(void)
{
	struct dataset *ds, *copy, *mcopy;
	struct journal *j, *r;
	char *cause = NULL, *cmd, *path, *want, *file;
	char sha[65];

	put("id/yes/a.wav", "a");
	put("idm/yes/a.wav", "a");
	put("idm/labels.csv", "path,label\nyes/a.wav,yes\n");
	ds = open_ds("id");
	j = journal_open(ds, NULL, NULL, &cause);
	sha256_file(ds->rootfd, "yes/a.wav", sha);
	ok(j && journal_append(j, &(struct journal_draft){ .op = JOP_RELABEL,
	    .path = "yes/a.wav", .label = "yes", .to = "no", .sha256 = sha }, &cause) >= 0,
	    "identity: a decision in the original");
	journal_free(j);
	dataset_free(ds);
	ds = open_ds("idm/labels.csv");
	j = journal_open(ds, NULL, NULL, &cause);
	journal_free(j);
	dataset_free(ds);
	cmd = xasprintf("cp -a '%s/id' '%s/id-copy' && cp -a '%s/idm' '%s/idm-copy'",
	    tmpdir, tmpdir, tmpdir, tmpdir);
	if (system(cmd) != 0)
		die("%s failed", cmd);
	free(cmd);

	copy = open_ds("id-copy");
	file = at("id-copy/.winnow/journal.yaml");
	r = journal_read(file, &cause);
	path = r ? journal_dataset_path(r) : NULL;
	ok(path && strcmp(path, copy->root) == 0, "the copy's journal is about the copy (%s)",
	    path ? path : cause);
	free(path);
	journal_free(r);
	j = journal_open(copy, NULL, NULL, &cause);
	ok(j != NULL, "the browser's journal_open takes the copy's own journal (%s)",
	    cause ? cause : "ok");
	free(cause);
	cause = NULL;
	journal_free(j);
	ds = open_ds("id");
	j = journal_open(ds, file, NULL, &cause);
	ok(j == NULL && cause && strstr(cause, "is about the dataset") &&
	    strstr(cause, "id-copy"), "the copy's journal is refused for the original: %s",
	    cause ? cause : "(accepted)");
	free(cause);
	cause = NULL;
	journal_free(j);
	free(file);

	mcopy = open_ds("idm-copy/labels.csv");
	file = at("idm-copy/.winnow/labels.csv.journal.yaml");
	r = journal_read(file, &cause);
	path = r ? journal_dataset_path(r) : NULL;
	want = xasprintf("%s/labels.csv", mcopy->root);
	ok(path && strcmp(path, want) == 0, "a manifest's copied journal: its manifest in "
	    "the copy (%s)", path ? path : cause);
	ok(r && journal_check_dataset(r, mcopy, &cause) == 0, "and it is about the copy");
	free(want);
	free(path);
	journal_free(r);
	free(file);

	/* Kept elsewhere (a read-only dataset's, in the state folder): the
	 * header names the tree. */
	file = at("id-copy/.winnow/journal.yaml");
	{
		size_t len;
		char *text = slurp(file, &len), *elsewhere = at("kept/j.yaml");
		put_bytes("kept/j.yaml", text, len);
		r = journal_read(elsewhere, &cause);
		path = r ? journal_dataset_path(r) : NULL;
		ok(path && strcmp(path, ds->root) == 0, "a journal kept elsewhere: the dataset "
		    "its header names (%s)", path ? path : cause);
		free(path);
		journal_free(r);
		free(text);
		free(elsewhere);
	}
	free(file);
	dataset_free(ds);
	dataset_free(copy);
	dataset_free(mcopy);
}

/* A writer killed with SIGKILL while appending: every entry it reported as
 * made (append returned) is there after reloading. */
static void
test_sigkill(void)
{
	struct dataset *ds;
	char *cause = NULL, sha[65], *file, *bignote;
	int round, lost = 0, torn = 0, reported = 0;
	struct timespec ts;

	put("kill/yes/a.wav", "a");
	ds = open_ds("kill");
	sha256_file(ds->rootfd, "yes/a.wav", sha);
	file = at("kill/.winnow/journal.yaml");
	/* A long note makes each write long enough to be cut by the kill. */
	bignote = xmalloc(30001);
	for (int i = 0; i < 30000; i++)
		bignote[i] = "abcdefgh \"\\x"[i % 12];
	bignote[30000] = '\0';
	srand(7);

	for (round = 0; round < 25; round++) {
		int fds[2];
		pid_t pid;
		uint32_t made = 0, id;
		struct journal *j;

		if (pipe(fds) != 0)
			die("pipe");
		if ((pid = fork()) == 0) {
			struct journal *w;
			close(fds[0]);
			if ((w = journal_open(ds, NULL, NULL, &cause)) == NULL)
				_exit(3);
			for (;;) {
				long idx = journal_append(w, &(struct journal_draft){
				    .op = JOP_DELETE + (unsigned)(rand() % 3), .path = "yes/a.wav",
				    .label = "yes", .sha256 = sha,
				    .note = rand() % 2 ? bignote : "short" }, &cause);
				if (idx < 0)
					_exit(4);
				id = w->entries[idx].id;
				/* Shown as made only now, as the browser would. */
				if (write(fds[1], &id, sizeof id) != sizeof id)
					_exit(5);
			}
		}
		close(fds[1]);
		/* Kill it at a random moment after its first entry. */
		if (read(fds[0], &id, sizeof id) == sizeof id)
			made = id;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand() % 30) * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		while (read(fds[0], &id, sizeof id) == sizeof id)
			made = id;
		close(fds[0]);
		waitpid(pid, NULL, 0);
		reported += made > 0;

		j = journal_open(ds, NULL, NULL, &cause);
		if (j == NULL) {
			fprintf(stderr, "# round %d: %s\n", round, cause);
			free(cause);
			cause = NULL;
			lost++;
			continue;
		}
		if (made && (j->n == 0 || j->entries[j->n - 1].id < made))
			lost++;
		journal_free(j);
		/* journal_open cut off any torn tail; count them from the .torn file. */
	}
	{
		char *aside = xasprintf("%s.torn", file);
		struct stat st;
		torn = stat(aside, &st) == 0 && st.st_size > 0;
		free(aside);
	}
	is_int(lost, 0, "25 SIGKILLs while appending: no entry shown as made is lost");
	ok(reported > 10, "the writer made entries before being killed (%d rounds)", reported);
	printf("# torn tails seen and kept aside: %s\n", torn ? "yes" : "none this time");
	free(bignote);
	free(file);
	dataset_free(ds);
}

/* A read-only dataset's journal goes to $XDG_STATE_HOME. Run as a user who
 * cannot write the dataset (root can write anything). */
static void
test_read_only(void)
{
	struct dataset *ds;
	char *state, *path;
	int fallback = -1, status;
	pid_t pid;

	put("ro/yes/a.wav", "a");
	ds = open_ds("ro");
	path = journal_default_path(ds, &fallback);
	ok(fallback == 0, "a writable dataset's journal is inside it");
	free(path);
	if (geteuid() == 0) {
		/* Drop to nobody in a child: ROOT (root's, 0755) is then read-only. */
		state = at("state");
		mkdir(state, 0777);
		chmod(state, 0777);
		setenv("XDG_STATE_HOME", state, 1);
		if ((pid = fork()) == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
			path = journal_default_path(ds, &fallback);
			_exit(fallback == 1 && strncmp(path, state, strlen(state)) == 0 &&
			    strstr(path, "/winnow/ro-") && has_suffix_ci(path, ".yaml") ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 77),
		    "a read-only dataset's journal goes to $XDG_STATE_HOME/winnow/ro-HASH.yaml");
		free(state);
	} else {
		char *root = at("ro");
		chmod(root, 0555);
		state = at("state");
		setenv("XDG_STATE_HOME", state, 1);
		path = journal_default_path(ds, &fallback);
		ok(fallback == 1 && strncmp(path, state, strlen(state)) == 0,
		    "a read-only dataset's journal goes to $XDG_STATE_HOME: %s", path);
		chmod(root, 0755);
		free(path);
		free(root);
		free(state);
	}
	dataset_free(ds);
}

static void
test_sha256(void)
{
	char sha[65];
	int fd;
	put("h/yes/abc.wav", "abc");
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	ok(sha256_file(fd, "h/yes/abc.wav", sha) == 0 &&
	    strcmp(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
	    "sha256 of \"abc\"");
	ok(sha256_file(fd, "../etc/passwd", sha) != 0, "sha256 refuses '..'");
	ok(sha256_file(fd, "/etc/passwd", sha) != 0, "sha256 refuses an absolute path");
	ok(sha256_file(fd, "h/yes", sha) != 0, "sha256 of a folder fails");
	/* Sizes around the 64 KiB read: each read short of it ends the file. */
	{
		static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200001 };
		char *data = xmalloc(200001), name[32];
		size_t i, k;
		for (k = 0; k < 200001; k++)
			data[k] = (char)(k * 131 + k / 7);
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			gchar *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
			    (const guchar *)data, sizes[i]);
			snprintf(name, sizeof name, "h/yes/%zu.bin", sizes[i]);
			{
				char *path = at("%s", name);
				FILE *f = fopen(path, "wb");
				if (f == NULL || fwrite(data, 1, sizes[i], f) != sizes[i] ||
				    fclose(f) != 0)
					die("%s: %s", path, strerror(errno));
				free(path);
			}
			ok(sha256_file(fd, name, sha) == 0 && strcmp(sha, want) == 0,
			    "sha256 of %zu bytes is GLib's", sizes[i]);
			g_free(want);
		}
		free(data);
	}
	close(fd);
}

int
main(void)
{
	testfs_init("journal");
	test_round_trip();
	test_plain_scalars();
	test_torn_every_byte();
	test_simple_streams();
	test_writer_forms();
	test_readers_agree();
	test_bad_journals();
	test_unclosed();
	test_undo();
	test_other_dataset_and_lock();
	test_append_after_torn();
	test_sigkill();
	test_batch();
	test_batch_cut();
	test_batch_markers();
	test_hostile_last();
	test_identity();
	test_read_only();
	test_sha256();
	return testfs_done();
}
