/* test-apply.c — apply and undo through their interface, on real trees:
 * split folders and folders below a label, names taken on disk and by the
 * plan itself, a FIFO named in a journal, a label that does not match,
 * undo meeting a changed file or a taken name, a record cut short, TSV
 * manifests with quoted fields and repeated rows, a read-only dataset, and
 * a file changed between its hash and its rename. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply.h"
#include "dataset.h"
#include "hash.h"
#include "journal.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

static int
exists(const char *rel)
{
	char *path = at("%s", rel);
	struct stat st;
	int r = lstat(path, &st) == 0;
	free(path);
	return r;
}

static char *
text_of(const char *rel)
{
	char *path = at("%s", rel), *cause = NULL, *s = read_file(path, NULL, &cause);
	free(path);
	if (s == NULL) {
		free(cause);
		return xstrdup("(missing)");
	}
	return s;
}

/* A journal of decisions on dataset `root` (relative to tmpdir): each
 * decision "op path label [to]", hashed from the tree as it is now. */
static struct journal *
make_journal(const char *root, const char *manifest, const char *const *decisions)
{
	struct buf b = { 0 };
	char *dsroot = at("%s", root), *cause = NULL;
	int rootfd = open(dsroot, O_RDONLY | O_DIRECTORY), id = 1;
	struct journal *j;

	buf_addf(&b, "---\nwinnow-journal: 1\ndataset: \"%s\"\nlayout: %s\n", dsroot,
	    manifest ? "manifest" : "folders");
	if (manifest)
		buf_addf(&b, "manifest: \"%s\"\n", manifest);
	buf_adds(&b, "...\n");
	for (; *decisions; decisions++, id++) {
		char op[16], path[256], label[64], to[64] = "", sha[65];
		int n = sscanf(*decisions, "%15s %255s %63s %63s", op, path, label, to);
		if (n < 3)
			die("bad decision %s", *decisions);
		if (sha256_file(rootfd, path, sha) != 0)
			memset(sha, 'a', 64), sha[64] = '\0';
		buf_addf(&b, "---\nid: %d\nop: %s\npath: \"%s\"\nlabel: \"%s\"\n", id, op, path,
		    label);
		if (n == 4)
			buf_addf(&b, "to: \"%s\"\n", to);
		buf_addf(&b, "sha256: %s\n...\n", sha);
	}
	close(rootfd);
	j = journal_read_buffer("test.yaml", b.data, b.len, &cause);
	if (j == NULL)
		die("%s", cause);
	buf_free(&b);
	free(dsroot);
	return j;
}

struct run {
	int ret;
	struct apply_result res;
	char *out;
	char *cause;
};

static void
run_apply(struct run *r, const struct journal *j, int dry_run)
{
	char *path = journal_dataset_path(j), *cause = NULL;
	struct dataset *ds = dataset_open(path, &cause);
	struct apply_options o = { .dry_run = dry_run };
	size_t len;

	if (ds == NULL)
		die("%s", cause);
	memset(r, 0, sizeof *r);
	o.out = open_memstream(&r->out, &len);
	r->ret = apply_journal(j, ds, &o, &r->res, &r->cause);
	fclose(o.out);
	dataset_free(ds);
	free(path);
}

static void
run_undo(struct run *r, const char *record)
{
	struct apply_options o = { 0 };
	size_t len;
	memset(r, 0, sizeof *r);
	o.out = open_memstream(&r->out, &len);
	r->ret = apply_undo(record, &o, &r->res, &r->cause);
	fclose(o.out);
}

static void
run_free(struct run *r)
{
	apply_result_free(&r->res);
	free(r->out);
	free(r->cause);
}

static void
test_layouts(void)
{
	static const char *const decisions[] = {
		"relabel train/yes/a.wav yes no",
		"relabel yes/sub/deep/b.wav yes no",
		"relabel yes/cat.jpg yes no",
		"relabel yes/x.wav yes no",
		"relabel up/x.wav up no",
		"relabel yes/label.wav no up",
		NULL,
	};
	struct journal *j;
	struct run r;
	char *record;

	put("lay/train/yes/a.wav", "a");
	put("lay/yes/sub/deep/b.wav", "b");
	put("lay/yes/cat.jpg", "cat");
	put("lay/no/cat.jpg", "another cat");
	put("lay/no/cat~1.jpg", "a third cat");
	put("lay/yes/x.wav", "x from yes");
	put("lay/up/x.wav", "x from up");
	put("lay/yes/label.wav", "labelled yes on disk");
	j = make_journal("lay", NULL, decisions);
	run_apply(&r, j, 0);
	is_int(r.ret, 0, "apply on split folders and nested folders");
	ok(exists("lay/train/no/a.wav") && !exists("lay/train/yes/a.wav"),
	    "a split folder stays: train/yes/a.wav -> train/no/a.wav");
	ok(exists("lay/no/sub/deep/b.wav"), "folders below the label stay: no/sub/deep/b.wav");
	ok(exists("lay/no/cat~2.jpg"), "a taken name (twice) becomes name~2.ext");
	ok(exists("lay/no/x.wav") && exists("lay/no/x~1.wav"),
	    "two files planned to one name: the second gets the next free one");
	ok(r.out && strstr(r.out, "conflict yes/label.wav: its label is yes, the decision says no"),
	    "a decision whose label is not the file's is a conflict");
	is_int(r.res.conflicts, 1, "one conflict");
	record = xstrdup(r.res.record ? r.res.record : "(none)");
	run_free(&r);

	/* Undo meets a changed file and a taken name. */
	put("lay/no/x.wav", "changed after apply");
	put("lay/yes/cat.jpg", "a new cat where the old one was");
	run_undo(&r, record);
	is_int(r.ret, 0, "undo with conflicts returns");
	is_int(r.res.conflicts, 2, "two conflicts");
	ok(r.out && strstr(r.out, "conflict no/x.wav: its content changed since apply; left there"),
	    "a file changed since apply stays where it is");
	ok(r.out && strstr(r.out, "conflict yes/cat.jpg: its old name is taken again"),
	    "a file whose old name is taken again stays");
	ok(exists("lay/train/yes/a.wav") && exists("lay/yes/sub/deep/b.wav") &&
	    exists("lay/up/x.wav"), "the others are moved back");
	ok(!exists("lay/train/no") && !exists("lay/no/sub"), "folders apply made are gone when empty");
	{
		char *rec = read_file(record, NULL, NULL);
		ok(rec && strstr(rec, "\nundone:") == NULL, "a partial undo is not marked undone");
		free(rec);
	}
	run_free(&r);
	/* Put things right and undo again: it finishes, skipping what is back. */
	put("lay/no/x.wav", "x from yes");
	{
		char *a = at("lay/yes/cat.jpg"), *b = at("lay/cat-aside.jpg");
		rename(a, b);
		free(a);
		free(b);
	}
	run_undo(&r, record);
	is_int(r.res.conflicts, 0, "the second undo: no conflict");
	ok(exists("lay/yes/x.wav") && exists("lay/yes/cat.jpg"), "the rest is moved back");
	{
		char *t = text_of("lay/yes/cat.jpg");
		is_str(t, "cat", "with its bytes");
		free(t);
	}
	run_free(&r);
	free(record);
	journal_free(j);
}

static void
test_fifo_and_torn_record(void)
{
	static const char *const decisions[] = {
		"delete yes/pipe.wav yes",
		"relabel yes/a.wav yes no",
		NULL,
	};
	struct journal *j;
	struct run r;
	char *fifo = at("fifo/yes/pipe.wav"), *record, *text, *cut;
	size_t len;
	FILE *f;

	put("fifo/yes/a.wav", "a");
	mkfifo(fifo, 0644);
	j = make_journal("fifo", NULL, decisions);
	alarm(20);      /* a FIFO must not hang apply */
	run_apply(&r, j, 0);
	alarm(0);
	ok(r.out && strstr(r.out, "conflict yes/pipe.wav:"), "a FIFO named in a journal is a conflict");
	ok(exists("fifo/no/a.wav"), "the other decision is applied");
	record = xstrdup(r.res.record ? r.res.record : "(none)");
	run_free(&r);

	/* A crash while "done" was being written: the record ends torn. */
	text = read_file(record, &len, NULL);
	cut = strstr(text, "---\ndone:");
	ok(cut != NULL, "the record ends with a done document");
	if (cut) {
		f = fopen(record, "w");
		fwrite(text, 1, (size_t)(cut - text) + 9, f);
		fclose(f);
	}
	free(text);
	run_undo(&r, record);
	ok(r.ret == 0 && r.res.conflicts == 0 && exists("fifo/yes/a.wav"),
	    "a record cut short still undoes");
	run_free(&r);
	free(record);
	free(fifo);
	journal_free(j);
}

static void
test_manifest(void)
{
	static const char *const decisions[] = {
		"relabel c/1.wav cat dog",
		"relabel c/2.wav cat odd,label",
		"delete c/3.wav dog",
		NULL,
	};
	struct journal *j;
	struct run r;
	char *t, *record;

	put("man/c/1.wav", "1");
	put("man/c/2.wav", "2");
	put("man/c/3.wav", "3");
	put("man/list.tsv", "label\tpath\n\"cat\"\tc/1.wav\ncat\tc/2.wav\ndog\tc/3.wav\n"
	    "mouse\tc/1.wav\n");
	j = make_journal("man", "list.tsv", decisions);
	run_apply(&r, j, 0);
	if (!ok(r.ret == 0 && r.res.conflicts == 0, "apply to a TSV manifest"))
		fprintf(stderr, "# %s\n# %s\n", r.cause ? r.cause : "", r.out ? r.out : "");
	t = text_of("man/list.tsv");
	is_str(t, "label\tpath\ndog\tc/1.wav\nodd,label\tc/2.wav\nmouse\tc/1.wav\n",
	    "TSV: relabelled rows rewritten, a repeated row left, the deleted row gone");
	free(t);
	record = xstrdup(r.res.record ? r.res.record : "(none)");
	run_free(&r);
	run_undo(&r, record);
	t = text_of("man/list.tsv");
	is_str(t, "label\tpath\n\"cat\"\tc/1.wav\ncat\tc/2.wav\ndog\tc/3.wav\nmouse\tc/1.wav\n",
	    "undo: the manifest byte for byte");
	free(t);
	run_free(&r);
	free(record);
	journal_free(j);

	/* CSV: a label with the delimiter is quoted. */
	{
		static const char *const d2[] = { "relabel c/1.wav cat a,b", NULL };
		put("man2/c/1.wav", "1");
		put("man2/m.csv", "path,label\r\nc/1.wav,cat\r\n");
		j = make_journal("man2", "m.csv", d2);
		run_apply(&r, j, 0);
		t = text_of("man2/m.csv");
		is_str(t, "path,label\r\nc/1.wav,\"a,b\"\r\n", "CSV: quoted label, CRLF kept");
		free(t);
		run_free(&r);
		journal_free(j);
	}
}

static void
test_read_only(void)
{
	static const char *const decisions[] = { "relabel yes/a.wav yes no", NULL };
	struct journal *j;
	struct run r;
	pid_t pid;
	int status;

	put("ro/yes/a.wav", "a");
	j = make_journal("ro", NULL, decisions);
	if (geteuid() == 0) {
		/* Root writes anywhere: be nobody, for whom ROOT is read-only. */
		fflush(stdout);
		if ((pid = fork()) == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
			run_apply(&r, j, 0);
			_exit(r.ret == -1 && r.cause && strstr(r.cause, "winnow export") &&
			    access(tmpdir, F_OK) == 0 ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && WEXITSTATUS(status) != 1,
		    "a read-only dataset: an error that points to winnow export --manifest");
	} else {
		char *root = at("ro");
		chmod(root, 0555);
		run_apply(&r, j, 0);
		ok(r.ret == -1 && r.cause && strstr(r.cause, "winnow export"),
		    "a read-only dataset: an error that points to winnow export --manifest");
		chmod(root, 0755);
		run_free(&r);
		free(root);
	}
	ok(exists("ro/yes/a.wav"), "and nothing moved");
	journal_free(j);
}

/* Files are hashed ahead of their renames; a rename goes ahead only when
 * the name still holds the file that was hashed, unchanged. */
static void
test_ident(void)
{
	char *dir = at("ident"), *path, sha[65];
	struct apply_ident id;
	struct stat st;
	struct timespec ts[2];
	int dfd;

	put("ident/a.wav", "aaaa");
	put("ident/b.wav", "bbbb");
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ok(sha256_file_stat(dfd, "a.wav", sha, &st) == 0, "hashed, the file as opened");
	apply_ident_of(&id, &st);
	ok(apply_ident_same(dfd, "a.wav", &id), "the same file is the same");

	/* Rewritten in place, same size, the mtime a nanosecond on. */
	path = at("ident/a.wav");
	put("ident/a.wav", "AAAA");
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ts[1].tv_nsec = (ts[1].tv_nsec + 1) % 1000000000;
	utimensat(AT_FDCWD, path, ts, 0);
	ok(!apply_ident_same(dfd, "a.wav", &id), "same size, another mtime: changed");
	ts[1] = st.st_mtim;
	utimensat(AT_FDCWD, path, ts, 0);
	ok(apply_ident_same(dfd, "a.wav", &id), "same inode, size and mtime: taken as unchanged");
	put("ident/a.wav", "AAAAA");
	utimensat(AT_FDCWD, path, ts, 0);
	ok(!apply_ident_same(dfd, "a.wav", &id), "another size: changed");

	/* Another file renamed over the name, or a link put in its place. */
	put("ident/a.wav", "aaaa");
	sha256_file_stat(dfd, "a.wav", sha, &st);
	apply_ident_of(&id, &st);
	renameat(dfd, "b.wav", dfd, "a.wav");
	ok(!apply_ident_same(dfd, "a.wav", &id), "another file under the name: changed");
	sha256_file_stat(dfd, "a.wav", sha, &st);
	apply_ident_of(&id, &st);
	renameat(dfd, "a.wav", dfd, "c.wav");
	symlinkat("c.wav", dfd, "a.wav");
	ok(!apply_ident_same(dfd, "a.wav", &id), "a link to it in its place: changed");
	unlinkat(dfd, "a.wav", 0);
	ok(!apply_ident_same(dfd, "a.wav", &id), "gone: changed");
	close(dfd);
	free(path);
	free(dir);
}

/* A file changed after apply hashed it and before its rename: appended
 * to, or another file renamed over its name. Its step fails and it stays
 * where it is, changed; the record names the failed steps; the rest are
 * applied, and undo puts them back and leaves the changed file alone. */
static const char *changed_root, *changed_path;
static int changed_how;

/* rel beneath the changed dataset, relative to tmpdir (a static buffer
 * each of four calls, in turn). */
static const char *
at_rel(const char *rel)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", changed_root, rel);
	return buf[k];
}

static void
change_before_rename(const char *from)
{
	char *path;
	if (changed_path == NULL || strcmp(from, changed_path) != 0)
		return;
	path = at("%s", at_rel(from));
	if (changed_how == 0) {
		FILE *f = fopen(path, "a");
		fputs(" and more", f);
		fclose(f);
	} else {
		char *other = at("%s", at_rel("other.txt"));
		put(at_rel("other.txt"), "BBBB");
		rename(other, path);
		free(other);
	}
	free(path);
}

static void
test_changed_before_rename(void)
{
	static const char *const decisions[] = {
		"relabel yes/a.wav yes no",
		"relabel yes/b.wav yes no",
		"relabel yes/c.wav yes no",
		NULL,
	};
	static const char *const how[] = { "appended to", "replaced by another file" };
	static const char *const want[] = { "bbbb and more", "BBBB" };
	struct journal *j;
	struct run r;
	char *record, *text, *b, *failed;
	int k;

	apply_before_rename = change_before_rename;
	for (k = 0; k < 2; k++) {
		changed_root = k == 0 ? "changed0" : "changed1";
		put(at_rel("yes/a.wav"), "aaaa");
		put(at_rel("yes/b.wav"), "bbbb");
		put(at_rel("yes/c.wav"), "cccc");
		j = make_journal(changed_root, NULL, decisions);
		changed_path = "yes/b.wav";
		changed_how = k;
		run_apply(&r, j, 0);
		changed_path = NULL;
		ok(r.ret == 0 && r.res.moved == 2 && r.res.conflicts == 1 && r.out &&
		    strstr(r.out, "conflict yes/b.wav: it changed after its sha256 was checked"),
		    "%s between its hash and its rename: a conflict", how[k]);
		b = text_of(at_rel("yes/b.wav"));
		ok(!exists(at_rel("no/b.wav")) && strcmp(b, want[k]) == 0 &&
		    exists(at_rel("no/a.wav")) && exists(at_rel("no/c.wav")),
		    "... it stays, changed, and the others move");
		free(b);
		record = xstrdup(r.res.record ? r.res.record : "(none)");
		text = read_file(record, NULL, NULL);
		failed = text ? strstr(text, "\nfailed: ") : NULL;
		ok(failed != NULL && strspn(failed + 9, "0123456789") > 0 &&
		    failed[9 + strspn(failed + 9, "0123456789")] == '\n',
		    "... the record names one step as failed");
		free(text);
		run_free(&r);
		run_undo(&r, record);
		b = text_of(at_rel("yes/b.wav"));
		ok(r.ret == 0 && r.res.conflicts == 0 && exists(at_rel("yes/a.wav")) &&
		    exists(at_rel("yes/c.wav")) && !exists(at_rel("no/a.wav")) &&
		    strcmp(b, want[k]) == 0, "... undo puts the others back and leaves it alone");
		free(b);
		run_free(&r);
		free(record);
		journal_free(j);
	}
	apply_before_rename = NULL;
}

int
main(void)
{
	testfs_init("apply");
	test_layouts();
	test_fifo_and_torn_record();
	test_manifest();
	test_read_only();
	test_ident();
	test_changed_before_rename();
	return testfs_done();
}
