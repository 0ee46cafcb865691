/* test-dataset.c — the dataset index on real trees built in a temporary
 * folder: both layouts, splits, links, unreadable folders, names that are
 * not UTF-8, and manifests with every kind of bad row. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "hash.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

static const unsigned char png_head[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
};
static const char wav_head[] = "RIFF\x24\0\0\0WAVEfmt ";

static void
put_wav(const char *rel)
{
	put_bytes(rel, wav_head, sizeof wav_head - 1);
}

static void
link_at(const char *target, const char *rel)
{
	char *path = at("%s", rel);
	if (symlink(target, path) != 0) {
		perror(path);
		exit(2);
	}
	free(path);
}

/* Does some problem's path equal `path` and its message contain `words`? */
static int
has_problem(const struct dataset *ds, const char *path, const char *words)
{
	size_t i;
	for (i = 0; i < ds->nproblems; i++)
		if (strcmp(ds->problems[i].path, path) == 0 &&
		    strstr(ds->problems[i].message, words) != NULL)
			return 1;
	return 0;
}

static void
show_problems(const struct dataset *ds)
{
	size_t i;
	for (i = 0; i < ds->nproblems; i++)
		fprintf(stderr, "#   problem: %s: %s\n", ds->problems[i].path,
		    ds->problems[i].message);
}

/* The label name of the sample at path, "?" when it is not in the index. */
static const char *
label_of(struct dataset *ds, const char *path)
{
	long i = dataset_find(ds, path);
	return i < 0 ? "?" : dataset_label_name(ds, ds->samples[i].label);
}

static const char *
split_of(struct dataset *ds, const char *path)
{
	long i = dataset_find(ds, path);
	return i < 0 ? "?" : dataset_split_name(ds, ds->samples[i].split);
}

/* Every sample's label is the folder its path starts with, samples are in
 * path order with their paths laid in the pool in the same order, labels
 * are in byte order, and the path index and the binary search find every
 * path, and agree on paths that are not there. */
static int
index_is_consistent(struct dataset *ds, int label_is_first_component)
{
	size_t i;
	for (i = 0; i < ds->nlabels; i++)
		if (i && strcmp(ds->labels[i - 1], ds->labels[i]) >= 0)
			return 0;
	for (i = 0; i < ds->nsamples; i++) {
		const char *p = sample_path(ds, i), *l;
		if (i && strcmp(sample_path(ds, i - 1), p) >= 0)
			return 0;
		if (i && ds->samples[i - 1].path >= ds->samples[i].path)
			return 0;
		if (dataset_find(ds, p) != (long)i || dataset_find_sorted(ds, p) != (long)i)
			return 0;
		/* Paths beside it, mostly absent: both lookups agree. */
		{
			char *q = xasprintf("%s~", p);
			long a = dataset_find(ds, q), b = dataset_find_sorted(ds, q);
			q[strlen(q) - 2] = '\0';   /* one byte short */
			a = a == b ? dataset_find(ds, q) : -2;
			b = dataset_find_sorted(ds, q);
			free(q);
			if (a != b)
				return 0;
		}
		if (ds->samples[i].label == LABEL_NONE || !label_is_first_component)
			continue;
		l = dataset_label_name(ds, ds->samples[i].label);
		if (strncmp(p, l, strlen(l)) != 0 || p[strlen(l)] != '/')
			return 0;
	}
	return 1;
}

static void
test_folders(void)
{
	struct dataset *ds;
	char *root;
	long i;

	/* Created out of order, so readdir order and sorted order differ. */
	put_wav("f/zebra/z1.wav");
	put_wav("f/yes/b.wav");
	put_wav("f/yes/a.wav");
	put_wav("f/yes/deeper/c.wav");
	put_wav("f/Mango/m.wav");
	put_wav("f/apple/x.wav");
	put_wav("f/no/d.wav");
	put_wav("f/_background_noise_/white.wav");
	put("f/_background_noise_/README.md", "noise\n");
	put("f/README.md", "a dataset\n");
	put("f/predictions.csv", "path,pred\n");
	put_wav("f/.cache/hidden.wav");
	put_wav("f/yes/.hidden.wav");
	put_wav("f/yes/.git/objects/x.wav");

	ds = try_open_ds("f/");
	ok(ds != NULL, "a folder-per-label tree opens");
	if (ds == NULL)
		return;
	root = realpath(tmpdir, NULL);
	ok(strncmp(ds->root, root, strlen(root)) == 0 && strcmp(ds->root + strlen(root), "/f") == 0,
	    "root is absolute, without a trailing slash: %s", ds->root);
	free(root);
	is_int(ds->layout, LAYOUT_FOLDERS, "folders layout");
	ok(ds->manifest == NULL, "no manifest");
	is_int((long long)ds->nsamples, 9, "9 samples: label files, nested files, _folder files");
	is_int((long long)ds->nlabels, 5, "5 labels: _background_noise_ is not one");
	is_str(ds->labels[0], "Mango", "labels sorted by bytes: Mango");
	is_str(ds->labels[1], "apple", "apple");
	is_str(ds->labels[2], "no", "no");
	is_str(ds->labels[3], "yes", "yes");
	is_str(ds->labels[4], "zebra", "zebra");
	ok(index_is_consistent(ds, 1), "each sample has its folder's label, in path order");
	is_str(sample_path(ds, 0), "Mango/m.wav", "the first sample in path order");
	is_str(label_of(ds, "yes/deeper/c.wav"), "yes", "a file in a subfolder of a label has the label");
	i = dataset_find(ds, "_background_noise_/white.wav");
	ok(i >= 0, "files of a _folder are browsable samples");
	if (i >= 0)
		is_int(ds->samples[i].label, LABEL_NONE, "without a label");
	ok(dataset_find(ds, "_background_noise_/README.md") >= 0,
	    "a text file in a _folder is a sample too");
	is_int(dataset_find(ds, "README.md"), -1, "files in ROOT are not samples");
	is_int(dataset_find(ds, "predictions.csv"), -1, "predictions.csv is not a sample");
	is_int(dataset_find(ds, ".cache/hidden.wav"), -1, "hidden folders are skipped");
	is_int(dataset_find(ds, "yes/.hidden.wav"), -1, "hidden files are skipped");
	is_int(dataset_find(ds, "yes/.git/objects/x.wav"), -1, "hidden folders in labels are skipped");
	is_int(dataset_find(ds, "yes/"), -1, "a folder is not a sample");
	is_int(dataset_find(ds, "nothing.wav"), -1, "an unknown path is -1");
	is_int((long long)ds->nproblems, 0, "no problems");
	show_problems(ds);

	is_int(dataset_label_find(ds, "yes"), 3, "dataset_label_find");
	is_int(dataset_label_find(ds, "_background_noise_"), -1, "a _folder is not a label");
	is_int(dataset_label_find(ds, "maybe"), -1, "an unknown label is -1");
	is_int(dataset_label_intern(ds, "maybe"), 5, "interning a new label puts it last");
	is_int(dataset_label_intern(ds, "no"), 2, "interning an old label finds it");
	is_str(dataset_label_name(ds, LABEL_NONE), "", "LABEL_NONE has the empty name");
	i = dataset_find(ds, "yes/a.wav");
	ok(i >= 0 && ds->samples[i].split == SPLIT_NONE, "no split without split folders or lists");
	dataset_free(ds);
}

/* Folders are read one at a time and their entries sorted there; the
 * index must still be in the order of whole paths, where a folder's name is
 * followed by '/' ("a-b" < "a/" < "a0"), and names that share their first
 * eight bytes are told apart. */
static void
test_order(void)
{
	static const char *const files[] = {
		"o/a0/x.wav", "o/a/x.wav", "o/a-b/x.wav", "o/a/b0.wav", "o/a/b/c.wav",
		"o/a/b-c.wav", "o/a/abcdefgh1.wav", "o/a/abcdefgh.wav", "o/a/abcdefg.wav",
		"o/a/abcdefgh/z.wav", "o/a/\xff.wav", "o/a/\x7f.wav", "o/a/B.wav",
		"o/train/a/x.wav", "o/test/a/x.wav", "o/a/A/x.wav",
	};
	struct dataset *ds;
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		put_wav(files[i]);
	/* More names sharing their first eight bytes than a short run. */
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "o/a/samehead%zu.wav", (i * 17) % 40);
		put_wav(name);
	}
	/* Problems met in label folders (read side by side on several
	 * threads) and in ROOT itself are listed in the order of the tree. */
	put_wav("o/zz/x.wav");
	link_at("nowhere.wav", "o/zz/broken.wav");
	link_at("a", "o/lnk");
	link_at("nowhere.wav", "o/a/broken.wav");
	link_at("nowhere.wav", "o/a-b/broken.wav");
	ds = try_open_ds("o/");
	ok(ds != NULL, "a tree of look-alike names opens");
	if (ds == NULL)
		return;
	is_int((long long)ds->nsamples, (long long)ARRAY_SIZE(files) + 41, "every file is a sample");
	if (!ok(index_is_consistent(ds, 0), "samples in the order of whole paths, pool in order"))
		for (i = 0; i < ds->nsamples; i++)
			fprintf(stderr, "# %zu %s\n", i, sample_path(ds, i));
	is_int((long long)ds->nproblems, 4, "four problems");
	if (ds->nproblems == 4) {
		is_str(ds->problems[0].path, "a-b/broken.wav", "problems in tree order: a-b/");
		is_str(ds->problems[1].path, "a/broken.wav", "a/");
		is_str(ds->problems[2].path, "lnk", "then ROOT's own, between its folders");
		is_str(ds->problems[3].path, "zz/broken.wav", "zz/");
	}
	dataset_free(ds);
}

static void
test_split_folders(void)
{
	struct dataset *ds;

	put_wav("s/train/yes/a.wav");
	put_wav("s/train/no/b.wav");
	put_wav("s/val/yes/c.wav");
	put_wav("s/validation/no/v.wav");
	put_wav("s/valid/no/w.wav");
	put_wav("s/test/no/d.wav");
	put("s/train/notes.txt", "not a sample\n");
	put_wav("s/train/_background_noise_/n.wav");
	put_wav("s/extra/e.wav");
	put_wav("s/training/yes/t.wav");

	ds = try_open_ds("s");
	ok(ds != NULL, "a tree with split folders opens");
	if (ds == NULL)
		return;
	is_int((long long)ds->nsamples, 9, "9 samples");
	is_int((long long)ds->nlabels, 4, "labels: extra, no, training, yes");
	ok(dataset_label_find(ds, "train") < 0 && dataset_label_find(ds, "test") < 0,
	    "split folders are not labels");
	ok(dataset_label_find(ds, "training") >= 0,
	    "'training' is not a split folder name: a label");
	is_str(label_of(ds, "train/yes/a.wav"), "yes", "train/yes/a.wav is labelled yes");
	is_str(split_of(ds, "train/yes/a.wav"), "train", "in split train");
	is_str(split_of(ds, "val/yes/c.wav"), "val", "val");
	is_str(split_of(ds, "validation/no/v.wav"), "validation", "validation");
	is_str(split_of(ds, "valid/no/w.wav"), "valid", "valid");
	is_str(label_of(ds, "test/no/d.wav"), "no", "test/no/d.wav is labelled no");
	is_str(split_of(ds, "test/no/d.wav"), "test", "in split test");
	is_int(dataset_find(ds, "train/notes.txt"), -1, "files directly in a split folder are not samples");
	is_str(label_of(ds, "train/_background_noise_/n.wav"), "",
	    "a _folder inside a split is not a label");
	is_str(split_of(ds, "train/_background_noise_/n.wav"), "train", "but has the split");
	is_str(split_of(ds, "extra/e.wav"), "", "a label beside the splits has no split");
	is_int(dataset_split_find(ds, "train") > 0, 1, "dataset_split_find");
	is_int(dataset_split_find(ds, "dev"), -1, "an unknown split is -1");
	ok(is_split_folder("val") && !is_split_folder("Train") && !is_split_folder("dev"),
	    "is_split_folder: exact names only");
	ok(index_is_consistent(ds, 0), "index order");
	dataset_free(ds);
}

static void
test_split_lists(void)
{
	struct dataset *ds;

	put_wav("l/yes/a.wav");
	put_wav("l/yes/b.wav");
	put_wav("l/yes/c.wav");
	put_wav("l/no/d.wav");
	put_wav("l/no/e.wav");
	put_wav("l/_background_noise_/n.wav");
	put("l/validation_list.txt", "yes/a.wav\nno/d.wav\n\n");
	put("l/testing_list.txt", "yes/b.wav\r\nno/missing.wav\r\n");

	ds = try_open_ds("l");
	ok(ds != NULL, "a tree with split lists opens");
	if (ds == NULL)
		return;
	is_int((long long)ds->nsamples, 6, "the lists are not samples");
	is_str(split_of(ds, "yes/a.wav"), "validation", "validation_list.txt puts yes/a.wav in validation");
	is_str(split_of(ds, "no/d.wav"), "validation", "and no/d.wav");
	is_str(split_of(ds, "yes/b.wav"), "testing", "testing_list.txt (CRLF) puts yes/b.wav in testing");
	is_str(split_of(ds, "yes/c.wav"), "training", "the others are in training");
	is_str(split_of(ds, "no/e.wav"), "training", "no/e.wav too");
	is_str(split_of(ds, "_background_noise_/n.wav"), "", "unlabelled samples get no split");
	ok(has_problem(ds, "testing_list.txt", "no/missing.wav"),
	    "a listed path that is not in the dataset is a problem");
	ok(has_problem(ds, "testing_list.txt", "line 2"), "naming its line");
	is_int((long long)ds->nproblems, 1, "and the only one");
	show_problems(ds);
	dataset_free(ds);

	/* Only one list present. */
	put_wav("l1/yes/a.wav");
	put_wav("l1/yes/b.wav");
	put("l1/testing_list.txt", "yes/a.wav\n");
	ds = try_open_ds("l1");
	ok(ds != NULL, "a tree with only testing_list.txt opens");
	if (ds == NULL)
		return;
	is_str(split_of(ds, "yes/a.wav"), "testing", "the listed file is in testing");
	is_str(split_of(ds, "yes/b.wav"), "training", "the other in training");
	is_int((long long)ds->nproblems, 0, "a missing validation_list.txt is no problem");
	dataset_free(ds);
}

static void
test_links(void)
{
	struct dataset *ds;
	char *abs_target;
	long i;

	put_wav("k/yes/real.wav");
	put_wav("k/no/n.wav");
	put_wav("outside.wav");
	put_wav("outside-dir/o.wav");
	link_at("../yes/real.wav", "k/no/link.wav");
	link_at("../../outside.wav", "k/no/out.wav");
	abs_target = at("outside.wav");
	link_at(abs_target, "k/no/abs-out.wav");
	free(abs_target);
	link_at("yes", "k/linked");
	link_at("../outside-dir", "k/outlinked");
	link_at("missing.wav", "k/yes/broken.wav");
	link_at("loop.wav", "k/yes/loop.wav");
	link_at("../outside.wav", "k/predictions.csv");

	ds = try_open_ds("k");
	ok(ds != NULL, "a tree with links opens");
	if (ds == NULL)
		return;
	i = dataset_find(ds, "no/link.wav");
	ok(i >= 0, "a link to a file inside ROOT is kept");
	if (i >= 0) {
		ok(ds->samples[i].flags & SAMPLE_LINK, "flagged SAMPLE_LINK");
		is_str(label_of(ds, "no/link.wav"), "no", "with the label of its folder");
	}
	i = dataset_find(ds, "yes/real.wav");
	ok(i >= 0 && !(ds->samples[i].flags & SAMPLE_LINK), "a plain file has no link flag");
	is_int(dataset_find(ds, "no/out.wav"), -1, "a link out of ROOT is refused");
	ok(has_problem(ds, "no/out.wav", "out of the dataset"), "and reported");
	is_int(dataset_find(ds, "no/abs-out.wav"), -1, "an absolute link out is refused");
	ok(has_problem(ds, "no/abs-out.wav", "out of the dataset"), "and reported");
	is_int(dataset_find(ds, "linked/real.wav"), -1, "a linked folder is not followed");
	ok(dataset_label_find(ds, "linked") < 0, "and is not a label");
	ok(has_problem(ds, "linked", "not followed"), "it is reported");
	is_int(dataset_find(ds, "outlinked/o.wav"), -1, "a linked folder out of ROOT is not followed");
	ok(has_problem(ds, "outlinked", "out of the dataset"), "and reported as leading out");
	is_int(dataset_find(ds, "yes/broken.wav"), -1, "a broken link is not a sample");
	ok(has_problem(ds, "yes/broken.wav", "broken link"), "and reported");
	is_int(dataset_find(ds, "yes/loop.wav"), -1, "a link to itself is not a sample");
	ok(has_problem(ds, "yes/loop.wav", "loop"), "and reported as a loop");
	ok(!has_problem(ds, "predictions.csv", ""),
	    "a file link in ROOT is no sample, so where it leads is no problem");
	is_int((long long)ds->nproblems, 6, "6 problems, one per bad link");
	is_int((long long)ds->nsamples, 3, "3 samples: real, n, link");
	show_problems(ds);
	dataset_free(ds);
}

static void
test_unreadable(void)
{
	struct dataset *ds;
	char *locked = at("u/locked");
	DIR *probe;

	put_wav("u/yes/a.wav");
	put_wav("u/locked/b.wav");
	put_wav("u/no/inner/c.wav");
	put_wav("u/no/d.wav");
	chmod(locked, 0);
	free(locked);
	locked = at("u/no/inner");
	chmod(locked, 0);

	ds = try_open_ds("u");
	ok(ds != NULL, "a tree with unreadable folders still opens");
	if (ds != NULL) {
		ok(dataset_find(ds, "yes/a.wav") >= 0 && dataset_find(ds, "no/d.wav") >= 0,
		    "the readable samples are indexed");
		/* Root reads every folder whatever its mode: then there is
		 * nothing unreadable to report. */
		if ((probe = opendir(locked)) != NULL) {
			closedir(probe);
			printf("ok %d - # SKIP chmod 000 does not stop this user (root) reading\n",
			    ++tap_count);
		} else {
			ok(has_problem(ds, "locked", "cannot read folder"),
			    "an unreadable label folder is a problem");
			ok(has_problem(ds, "no/inner", "cannot read folder"),
			    "so is an unreadable folder inside a label");
			is_int(dataset_find(ds, "locked/b.wav"), -1, "its files are not listed");
			is_int((long long)ds->nsamples, 2, "2 samples");
		}
		show_problems(ds);
		dataset_free(ds);
	}
	chmod(locked, 0755);
	free(locked);
	locked = at("u/locked");
	chmod(locked, 0755);
	free(locked);
}

static void
test_bytes_names(void)
{
	struct dataset *ds;
	struct buf b = { 0 };
	long i;

	put_wav("b/caf\xe9/x\xff.wav");
	put_wav("b/caf\xe9/ok.wav");
	put_wav("b/\xe5\xa3\xb0/tab\there.wav");

	ds = try_open_ds("b");
	ok(ds != NULL, "a tree with non-UTF-8 names opens");
	if (ds == NULL)
		return;
	is_int((long long)ds->nsamples, 3, "3 samples");
	ok(dataset_label_find(ds, "caf\xe9") >= 0, "the label keeps its bytes");
	i = dataset_find(ds, "caf\xe9/x\xff.wav");
	ok(i >= 0, "the path keeps its bytes and is found by them");
	if (i >= 0) {
		escape_name(&b, sample_path(ds, i));
		is_str(buf_str(&b), "caf\\xe9/x\\xff.wav", "and is shown escaped");
		buf_free(&b);
		is_str(label_of(ds, "caf\xe9/x\xff.wav"), "caf\xe9", "labelled by its folder");
	}
	i = dataset_find(ds, "\xe5\xa3\xb0/tab\there.wav");
	ok(i >= 0, "a UTF-8 label and a tab in a name");
	if (i >= 0) {
		escape_name(&b, sample_path(ds, i));
		is_str(buf_str(&b), "\xe5\xa3\xb0/tab\\x09here.wav", "the tab is escaped, the label not");
		buf_free(&b);
	}
	i = dataset_find(ds, "caf\xe9/x\xff.wav");
	if (i >= 0) {
		char hash[65];
		ok(sha256_file(ds->rootfd, sample_path(ds, i), hash) == 0,
		    "the file opens by its bytes");
	}
	dataset_free(ds);
}

static void
test_empty(void)
{
	struct dataset *ds;
	char *path = at("e0");
	char *cause = NULL;

	mkdir(path, 0755);
	free(path);
	ds = try_open_ds("e0");
	ok(ds != NULL, "an empty folder opens");
	if (ds != NULL) {
		is_int((long long)ds->nsamples, 0, "with no samples");
		is_int((long long)ds->nlabels, 0, "and no labels");
		is_int(dataset_find(ds, "x"), -1, "dataset_find on nothing");
		dataset_free(ds);
	}

	path = at("e1/yes");
	mkdirs(path);
	free(path);
	put_wav("e1/no/a.wav");
	put("e1/validation_list.txt", "");
	ds = try_open_ds("e1");
	ok(ds != NULL, "a tree with an empty label folder opens");
	if (ds != NULL) {
		is_int((long long)ds->nlabels, 2, "the empty folder is still a label");
		is_int((long long)ds->nsamples, 1, "one sample");
		is_str(split_of(ds, "no/a.wav"), "training", "an empty list still splits");
		dataset_free(ds);
	}

	path = at("nothing-here");
	ok(dataset_open(path, &cause) == NULL, "a missing dataset fails");
	ok(cause && strstr(cause, path) != NULL, "naming it: %s", cause ? cause : "(none)");
	free(cause);
	free(path);
	cause = NULL;
	ok(dataset_open("/dev/null", &cause) == NULL, "a device is neither folder nor manifest");
	free(cause);
}

static void
test_manifest(void)
{
	struct dataset *ds;
	char *cause = NULL, *abs_path, *text;
	long i;

	put_wav("m/clips/a.wav");
	put_wav("m/clips/b, c.wav");
	put_wav("m/clips/d.wav");
	put_wav("m/clips/e.wav");
	put_wav("m/clips/f.wav");
	put_wav("m/clips/g.wav");
	put_wav("m/outside-ish.wav");
	put_wav("m-out.wav");
	link_at("../../m-out.wav", "m/clips/out.wav");
	abs_path = at("m/clips/a.wav");
	text = xasprintf("\xef\xbb\xbfpath,label,split\r\n"
	    "clips/a.wav,yes,train\r\n"
	    "\"clips/b, c.wav\",\"no\",val\r\n"
	    "./clips/d.wav,yes,\r\n"
	    "clips/missing.wav,yes,train\r\n"
	    "../m-out.wav,no,train\r\n"
	    "%s,no,train\r\n"
	    "clips/a.wav,no,test\r\n"
	    "clips/e.wav,,train\r\n"
	    "clips/f.wav\r\n"
	    "clips/out.wav,no,train\r\n"
	    "clips,no,train\r\n"
	    "\"clips/g.wav,up\r\n"
	    "clips/g.wav,up,test\r\n",
	    abs_path);
	put("m/labels.csv", text);
	free(text);

	ds = try_open_ds("m/labels.csv");
	ok(ds != NULL, "a CSV manifest with BOM, CRLF and bad rows opens");
	if (ds == NULL) {
		free(abs_path);
		return;
	}
	is_int(ds->layout, LAYOUT_MANIFEST, "manifest layout");
	is_str(ds->manifest, "labels.csv", "manifest name relative to ROOT");
	ok(has_suffix_ci(ds->root, "/m"), "ROOT is the manifest's folder: %s", ds->root);
	is_int((long long)ds->nsamples, 5, "5 good rows (one without a label)");
	is_str(label_of(ds, "clips/a.wav"), "yes", "clips/a.wav is yes");
	is_str(split_of(ds, "clips/a.wav"), "train", "in split train");
	is_str(label_of(ds, "clips/b, c.wav"), "no", "a quoted path with a comma");
	is_str(split_of(ds, "clips/b, c.wav"), "val", "split val");
	is_str(label_of(ds, "clips/d.wav"), "yes", "a leading ./ is dropped");
	is_str(split_of(ds, "clips/d.wav"), "", "an empty split is none");
	is_str(label_of(ds, "clips/g.wav"), "up", "a row after a broken quote is read");
	ok(has_problem(ds, "labels.csv", "clips/missing.wav"), "a missing file is reported");
	ok(has_problem(ds, "labels.csv", "line 5"), "with its line number");
	is_int(dataset_find(ds, "clips/missing.wav"), -1, "and not indexed");
	ok(has_problem(ds, "labels.csv", "'../m-out.wav' is refused"), "a '..' path is refused");
	ok(has_problem(ds, "labels.csv", "line 7: path '/"), "an absolute path is refused");
	ok(has_problem(ds, "labels.csv", "line 8: clips/a.wav is listed again"),
	    "a repeated path is reported");
	is_str(split_of(ds, "clips/a.wav"), "train", "and the first row counts");
	i = dataset_find(ds, "clips/e.wav");
	ok(i >= 0 && ds->samples[i].label == LABEL_NONE,
	    "an empty label: a sample waiting for a label");
	ok(!has_problem(ds, "labels.csv", "line 9"), "and no problem");
	ok(has_problem(ds, "labels.csv", "line 10: 1 fields, expected 3"), "a short row");
	ok(has_problem(ds, "labels.csv", "clips/out.wav: leads out"), "a link out of ROOT");
	ok(has_problem(ds, "labels.csv", "clips: not a regular file"), "a folder");
	ok(has_problem(ds, "labels.csv", "line 13: unterminated"), "a broken quote");
	is_int((long long)ds->nproblems, 8, "8 problems");
	is_int((long long)ds->nlabels, 3, "labels no, up, yes (none from bad rows)");
	is_str(ds->labels[0], "no", "sorted");
	ok(index_is_consistent(ds, 0), "index order");
	i = dataset_find(ds, "clips/a.wav");
	ok(i >= 0 && ds->samples[i].ext_format == FMT_WAV, "format from the name");
	show_problems(ds);
	dataset_free(ds);
	free(abs_path);

	put("m/labels.tsv", "split\tlabel\tpath\tscore\n"
	    "test\tyes\tclips/a.wav\t0.5\n"
	    "\tno\t\"clips/b, c.wav\"\n");
	ds = try_open_ds("m/labels.tsv");
	ok(ds != NULL, "a TSV manifest with columns in another order opens");
	if (ds != NULL) {
		is_int((long long)ds->nsamples, 2, "2 rows");
		is_str(split_of(ds, "clips/a.wav"), "test", "split from its column");
		is_str(label_of(ds, "clips/b, c.wav"), "no", "a quoted TSV field");
		is_int((long long)ds->nproblems, 0, "no problems");
		dataset_free(ds);
	}

	put("m/nolabel.csv", "path,class\nclips/a.wav,yes\n");
	cause = NULL;
	abs_path = at("m/nolabel.csv");
	ok(dataset_open(abs_path, &cause) == NULL, "a manifest without a label column fails");
	ok(cause && strstr(cause, "nolabel.csv") && strstr(cause, "'label'"),
	    "saying what is missing: %s", cause ? cause : "(none)");
	free(cause);
	free(abs_path);

	put("m/empty.csv", "");
	cause = NULL;
	abs_path = at("m/empty.csv");
	ok(dataset_open(abs_path, &cause) == NULL, "an empty manifest fails");
	free(cause);
	free(abs_path);

	put("m/header-only.csv", "path,label\n");
	ds = try_open_ds("m/header-only.csv");
	ok(ds != NULL && ds->nsamples == 0, "a manifest with a header only is an empty dataset");
	dataset_free(ds);
}

/* The files of a manifest are checked all at once, after reading, yet
 * rows are judged in their order as one lookup a row would: a path missing
 * twice is missing twice (not "listed again"), a label or a split met only
 * in rows that are not taken is no label or split, and problems keep the
 * rows' order. */
static void
test_manifest_order(void)
{
	static const char *const want[] = {
		"line 2: b/x.wav: No such file or directory",
		"line 4: b/x.wav: No such file or directory",
		"line 6: a/1.wav is listed again; the first row counts",
		"line 7: a/fifo: not a regular file",
		"line 8: 1 fields, expected 3",
		"line 9: a/nowhere: No such file or directory",
	};
	struct dataset *ds;
	struct buf b = { 0 };
	char *fifo;
	size_t i;

	put_wav("mo/a/1.wav");
	put_wav("mo/a/2.wav");
	link_at("1.wav", "mo/a/link.wav");
	link_at("gone.wav", "mo/a/nowhere");
	fifo = at("mo/a/fifo");
	ok(mkfifo(fifo, 0644) == 0, "a FIFO");
	free(fifo);
	put("mo/rows.csv", "path,label,split\n"
	    "b/x.wav,gone,first\n"
	    "a/1.wav,yes,s2\n"
	    "b/x.wav,no,s2\n"
	    "a/link.wav,no,s1\n"
	    "a/1.wav,no,s1\n"
	    "a/fifo,no,\n"
	    "x\n"
	    "a/nowhere,no,s1\n"
	    "a/2.wav,up,s1\n");
	ds = try_open_ds("mo/rows.csv");
	ok(ds != NULL, "a manifest with rows of every fate opens");
	if (ds == NULL)
		return;
	is_int((long long)ds->nproblems, (long long)ARRAY_SIZE(want), "a problem a row");
	for (i = 0; i < ds->nproblems && i < ARRAY_SIZE(want); i++)
		ok(strcmp(ds->problems[i].message, want[i]) == 0, "problem %zu, in the rows' "
		    "order: %s", i + 1, ds->problems[i].message);
	is_int((long long)ds->nsamples, 3, "a/1.wav, a/2.wav and the link to a file inside");
	is_str(label_of(ds, "a/link.wav"), "no", "a link inside ROOT is a sample");
	is_str(label_of(ds, "a/1.wav"), "yes", "the first row counts");
	is_int((long long)ds->nlabels, 3, "labels no, up, yes: none from a missing file's row");
	is_int((long long)ds->nsplits, 3, "splits: none, s2, s1");
	is_str(dataset_split_name(ds, 1), "s2", "in the order taken rows name them");
	is_str(dataset_split_name(ds, 2), "s1", "s1 second");
	ok(index_is_consistent(ds, 0), "index order");
	dataset_free(ds);

	/* More missing files than are listed: a count after the listed. */
	buf_adds(&b, "path,label\n");
	for (i = 0; i < 25; i++)
		buf_addf(&b, "gone/%02zu.wav,no\n", i);
	buf_adds(&b, "a/2.wav,up\n");
	put("mo/many.csv", buf_str(&b));
	buf_free(&b);
	ds = try_open_ds("mo/many.csv");
	ok(ds != NULL && ds->nsamples == 1, "25 missing files and one there");
	if (ds == NULL)
		return;
	is_int((long long)ds->nproblems, 21, "20 listed and a count");
	is_str(ds->problems[19].message, "line 21: gone/19.wav: No such file or directory",
	    "the 20th listed");
	is_str(ds->problems[20].message, "25 rows in all name files that are missing",
	    "then the count");
	dataset_free(ds);
}

/* Rows in any order give the samples in path order, the first row of a
 * path counting: a sorted run, then rows out of any order, then repeats,
 * as a manifest joined from several listings would be. */
static void
test_manifest_runs(void)
{
	enum { N = 400, REPEATS = 30 };
	static char first[N][8];
	struct dataset *ds;
	struct buf b = { 0 }, name = { 0 };
	unsigned x = 12345, perm[N], t;
	size_t i, j, wrong = 0;

	for (i = 0; i < N; i++) {
		buf_free(&name);
		buf_addf(&name, "mr/%c/%03zu.wav", "abc"[i % 3], i);
		put_wav(buf_str(&name));
		perm[i] = (unsigned)i;
	}
	/* The last quarter in order first, the rest shuffled. */
	for (i = N * 3 / 4 - 1; i > 0; i--) {
		x = x * 1103515245u + 12345u;
		j = (x >> 8) % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	buf_adds(&b, "path,label\n");
	for (i = 0; i < N; i++) {
		unsigned k = perm[(i + N / 4) % N];
		snprintf(first[k], sizeof first[k], "l%u", (unsigned)(i % 5));
		buf_addf(&b, "%c/%03u.wav,%s\n", "abc"[k % 3], k, first[k]);
	}
	for (i = 0; i < REPEATS; i++)
		buf_addf(&b, "%c/%03zu.wav,again\n", "abc"[(i * 7) % 3], i * 7);
	put("mr/rows.csv", buf_str(&b));
	buf_free(&b);
	buf_free(&name);
	ds = try_open_ds("mr/rows.csv");
	ok(ds != NULL, "a manifest of runs and shuffled rows opens");
	if (ds == NULL)
		return;
	is_int((long long)ds->nsamples, N, "a sample a path");
	ok(index_is_consistent(ds, 0), "samples in path order");
	for (i = 0; i < N; i++) {
		buf_free(&name);
		buf_addf(&name, "%c/%03zu.wav", "abc"[i % 3], i);
		if (strcmp(label_of(ds, buf_str(&name)), first[i]) != 0)
			wrong++;
	}
	is_int((long long)wrong, 0, "each path's first row gives its label");
	is_int((long long)ds->nproblems, 21, "the repeats: 20 listed and a count");
	is_str(ds->problems[0].message, "line 402: a/000.wav is listed again; the first "
	    "row counts", "the first repeat first");
	buf_free(&name);
	dataset_free(ds);
}

/* A big manifest is read in parts side by side: whatever the parts, the
 * samples, labels, splits and problems are the ones of one reading in
 * order (the rows of every fate above, cut anywhere). */
static void
test_manifest_parts(void)
{
	static const char *const files[] = {
		"m/labels.csv", "m/labels.tsv", "m/header-only.csv", "mo/rows.csv",
		"mo/many.csv", "mr/rows.csv", "mo/bad.csv",
	};
	static const unsigned parts[] = { 2, 3, 5, 8 };
	struct dataset *ds;
	struct buf one = { 0 }, many = { 0 }, b = { 0 };
	size_t f, k, i;

	/* More malformed rows than are listed, through every part. */
	buf_adds(&b, "path,label\n");
	for (i = 0; i < 40; i++)
		buf_addf(&b, i % 3 ? "x%zu\n" : "a/%zu.wav,l%zu\n", i, i % 7);
	put("mo/bad.csv", buf_str(&b));
	buf_free(&b);

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		dataset_manifest_parts = 1;
		ds = try_open_ds(files[f]);
		ok(ds != NULL, "%s opens in one part", files[f]);
		if (ds == NULL)
			continue;
		one.len = 0;
		dataset_describe(&one, ds);
		dataset_free(ds);
		for (k = 0; k < ARRAY_SIZE(parts); k++) {
			dataset_manifest_parts = parts[k];
			ds = try_open_ds(files[f]);
			many.len = 0;
			if (ds != NULL)
				dataset_describe(&many, ds);
			dataset_free(ds);
			ok(ds != NULL && strcmp(buf_str(&one), buf_str(&many)) == 0,
			    "%s in %u parts: the same dataset", files[f], parts[k]);
			if (ds != NULL && strcmp(buf_str(&one), buf_str(&many)) != 0)
				fprintf(stderr, "# one part:\n%s# %u parts:\n%s", buf_str(&one),
				    parts[k], buf_str(&many));
		}
	}
	/* Its rows a/N.wav name missing files: their problems come between. */
	dataset_manifest_parts = 8;
	ds = try_open_ds("mo/bad.csv");
	ok(ds != NULL, "mo/bad.csv opens in 8 parts");
	if (ds != NULL) {
		const char *last = "";
		for (i = k = 0; i < ds->nproblems; i++)
			if (strstr(ds->problems[i].message, "fields, expected") != NULL) {
				last = ds->problems[i].message;
				k++;
			}
		is_int((long long)k, 20, "26 malformed rows: 20 listed");
		is_str(last, "line 31: 1 fields, expected 2", "the 20th: the row of i = 29");
		is_str(ds->nproblems ? ds->problems[ds->nproblems - 1].message : "",
		    "26 malformed rows in all", "then the count");
	}
	dataset_free(ds);
	dataset_manifest_parts = 0;
	buf_free(&one);
	buf_free(&many);
}

static void
test_sniff(void)
{
	struct dataset *ds;
	long i;

	put_bytes("g/cat/photo.jpg", png_head, sizeof png_head);
	put_wav("g/cat/sound.txt");
	put("g/cat/empty.wav", "");
	put_bytes("g/cat/noise.wav", "\x01\x02\x03\xfe\xff\x00\x10", 7);
	put("g/cat/notes", "just words\n");

	ds = try_open_ds("g");
	ok(ds != NULL, "a tree of mixed files opens");
	if (ds == NULL)
		return;
	i = dataset_find(ds, "cat/photo.jpg");
	ok(i >= 0, "the PNG named .jpg is a sample");
	if (i >= 0) {
		is_int(ds->samples[i].ext_format, FMT_JPEG, "its name says jpeg");
		is_int(ds->samples[i].content_format, FMT_NONE, "content is not read at index time");
		is_int(dataset_sniff(ds, (size_t)i), FMT_PNG, "its bytes say png");
		is_int(ds->samples[i].content_format, FMT_PNG, "and that is kept");
		is_int(ds->samples[i].ext_format, FMT_JPEG, "beside the name's format");
		is_int(sample_kind(&ds->samples[i]), KIND_IMAGE, "an image");
	}
	i = dataset_find(ds, "cat/sound.txt");
	if (i >= 0) {
		is_int(sample_kind(&ds->samples[i]), KIND_TEXT, "by name a .txt is text");
		dataset_sniff(ds, (size_t)i);
		is_int(sample_kind(&ds->samples[i]), KIND_AUDIO, "by content it is audio");
	}
	i = dataset_find(ds, "cat/empty.wav");
	if (i >= 0) {
		is_int(dataset_sniff(ds, (size_t)i), FMT_EMPTY, "zero bytes are 'empty'");
		is_int(sample_kind(&ds->samples[i]), KIND_OTHER, "of kind other");
	}
	i = dataset_find(ds, "cat/noise.wav");
	if (i >= 0)
		is_int(dataset_sniff(ds, (size_t)i), FMT_DATA, "garbage is 'data'");
	i = dataset_find(ds, "cat/notes");
	if (i >= 0) {
		is_int(ds->samples[i].ext_format, FMT_NONE, "no extension, no format by name");
		is_int(dataset_sniff(ds, (size_t)i), FMT_TEXT, "text by content");
	}
	dataset_free(ds);

	is_int(format_from_magic((const unsigned char *)"\xff\xd8\xff\xe0", 4), FMT_JPEG, "JPEG magic");
	is_int(format_from_magic((const unsigned char *)"GIF89a", 6), FMT_GIF, "GIF magic");
	is_int(format_from_magic((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16), FMT_WEBP,
	    "WebP is RIFF but not WAVE");
	is_int(format_from_magic((const unsigned char *)"fLaC\0\0\0\x22", 8), FMT_FLAC, "FLAC magic");
	is_int(format_from_magic((const unsigned char *)"P6\n4 4\n255\n", 11), FMT_PNM, "PNM magic");
	is_int(format_from_magic((const unsigned char *)"caf\xc3", 4), FMT_TEXT,
	    "UTF-8 cut at the end of the sniffed bytes is still text");
	is_int(format_from_name("A.JPEG"), FMT_JPEG, "extension case is ignored");
	is_int(format_from_name("dir.wav/file"), FMT_NONE, "a dot in a folder name is no extension");
	is_int(format_from_name("file."), FMT_NONE, "a trailing dot is no extension");
	is_int(format_from_name("no/extension"), FMT_NONE, "no dot, no extension");
	is_int(format_from_name("x/.wav"), FMT_WAV, "a name that is all extension");
	is_int(format_from_name("notes.JsonL"), FMT_TEXT, "a five-letter extension");
	is_int(format_from_name("a.wavwavwav"), FMT_NONE, "a long extension matches none");
	is_int(format_from_name("a.wa"), FMT_NONE, "nor does a prefix of one");
	is_int(format_from_name_len("a.wav.png", 5), FMT_WAV, "format_from_name_len reads len bytes");
	is_str(format_name(FMT_PNG), "png", "format names");
	is_str(kind_name(KIND_AUDIO), "audio", "kind names");
}

static void
test_many(void)
{
	struct dataset *ds;
	char name[64];
	size_t i, bad = 0;

	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "n/l%02zu/%08zx_nohash_%zu.wav", i % 35, i * 2654435761u, i % 3);
		put_wav(name);
	}
	ds = try_open_ds("n");
	ok(ds != NULL, "3000 files in 35 labels open");
	if (ds == NULL)
		return;
	is_int((long long)ds->nsamples, 3000, "3000 samples");
	is_int((long long)ds->nlabels, 35, "35 labels");
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "l%02zu/%08zx_nohash_%zu.wav", i % 35, i * 2654435761u, i % 3);
		if (dataset_find(ds, name) < 0)
			bad++;
	}
	is_int((long long)bad, 0, "dataset_find finds each");
	ok(index_is_consistent(ds, 1), "labels and order hold");
	is_int((long long)sizeof(struct sample), 12, "a sample record is 12 bytes");

	/* Labels added while other threads read the names (predictions or a
	 * decision naming a new one, in the browser): the array of names
	 * stays where it was, so a reader holding it reads no freed memory. */
	{
		char *const *names = ds->labels;
		char *first = ds->labels[0];
		int moved = 0;
		for (i = 0; i < 2000; i++) {
			snprintf(name, sizeof name, "new%zu", i);
			dataset_label_intern(ds, name);
			moved |= ds->labels != names;
		}
		ok(!moved && ds->labels[0] == first && strcmp(dataset_label_name(ds, 2034), "new1999") == 0,
		    "2,000 labels added: the names stay where they were");
	}
	dataset_free(ds);
}

int
main(void)
{
	testfs_init("dataset");
	test_folders();
	test_order();
	test_split_folders();
	test_split_lists();
	test_links();
	test_unreadable();
	test_bytes_names();
	test_empty();
	test_manifest();
	test_manifest_order();
	test_manifest_runs();
	test_manifest_parts();
	test_sniff();
	test_many();
	return testfs_done();
}
