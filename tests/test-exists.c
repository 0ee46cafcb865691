/* test-exists.c — the folder listing that checks a manifest's files gives,
 * for every kind of entry, the answer a lookup of each path gives: links
 * inside and out of ROOT, broken and looping links, folders, FIFOs, names
 * no lookup takes, folders that are missing, are files, or cannot be
 * searched; and an entry whose type the filesystem does not tell. And
 * the cache of listings: a folder is read again whenever an answer could
 * have changed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "testfs.h"
#include "exists.h"

static void
link_at(const char *target, const char *rel)
{
	char *path = at("%s", rel);
	if (symlink(target, path) != 0)
		die("symlink %s: %s", path, strerror(errno));
	free(path);
}

static const char *
answer(int why)
{
	if (why == EXISTS_REGULAR)
		return "regular";
	if (why == EXISTS_NOT_REGULAR)
		return "not regular";
	return strerror(why);
}

/* The paths to check, each with the answer a lookup must give. */
static const struct {
	const char *path;
	int want;
} cases[] = {
	{ "top.wav", EXISTS_REGULAR },
	{ "a/reg.wav", EXISTS_REGULAR },
	{ "a/in-link.wav", EXISTS_REGULAR },
	{ "a/out-link.wav", EXDEV },
	{ "a/broken.wav", ENOENT },
	{ "a/loop.wav", ELOOP },
	{ "a/folder", EXISTS_NOT_REGULAR },
	{ "a/folder-link", EXISTS_NOT_REGULAR },
	{ "a/fifo", EXISTS_NOT_REGULAR },
	{ "a/missing.wav", ENOENT },
	{ "a/reg.wav/under.wav", ENOTDIR },
	{ "linked/reg.wav", EXISTS_REGULAR },
	{ "linked/missing.wav", ENOENT },
	{ "outside/any.wav", EXDEV },
	{ "nowhere/x.wav", ENOENT },
	{ "a/reg.wav", EXISTS_REGULAR },        /* the same path again */
	{ NULL, ENAMETOOLONG },                 /* a name longer than NAME_MAX */
};

static void
make_tree(void)
{
	char *fifo;
	put("r/top.wav", "x");
	put("r/a/reg.wav", "x");
	put("r/a/folder/inner.wav", "x");
	put("outside/any.wav", "x");
	link_at("reg.wav", "r/a/in-link.wav");
	link_at("../../outside/any.wav", "r/a/out-link.wav");
	link_at("gone.wav", "r/a/broken.wav");
	link_at("loop.wav", "r/a/loop.wav");
	link_at("folder", "r/a/folder-link");
	link_at("a", "r/linked");
	link_at("../outside", "r/outside");
	fifo = at("r/a/fifo");
	if (mkfifo(fifo, 0644) != 0)
		die("mkfifo %s: %s", fifo, strerror(errno));
	free(fifo);
}

static void
test_listing_agrees(void)
{
	const char *paths[ARRAY_SIZE(cases)];
	char long_name[NAME_MAX + 32];
	int why[ARRAY_SIZE(cases)], rootfd;
	char *root = at("r");
	size_t i;

	memset(long_name, 'n', sizeof long_name - 1);
	memcpy(long_name, "a/", 2);
	long_name[sizeof long_name - 1] = '\0';
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	free(root);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		paths[i] = cases[i].path != NULL ? cases[i].path : long_name;
	exists_check(rootfd, paths, ARRAY_SIZE(cases), why, NULL);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *shown = cases[i].path != NULL ? cases[i].path : "a/nnn… (long)";
		is_int(exists_by_stat(rootfd, paths[i]), cases[i].want, shown);
		ok(why[i] == cases[i].want, "listed, %s: %s (a lookup: %s)", shown,
		    answer(why[i]), answer(cases[i].want));
	}
	close(rootfd);
}

/* Some filesystems list every entry as DT_UNKNOWN: the answer must then
 * come from a lookup, and a link's from where it leads. */
static void
test_unknown_type(void)
{
	char *root = at("r");
	int rootfd = open(root, O_RDONLY | O_DIRECTORY);
	size_t i;

	free(root);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].path == NULL || strstr(cases[i].path, "missing") ||
		    strstr(cases[i].path, "/under") || strncmp(cases[i].path, "nowhere/", 8) == 0)
			continue;       /* not an entry any listing holds */
		int why = exists_by_type(rootfd, cases[i].path, DT_UNKNOWN);
		ok(why == cases[i].want, "of unknown type, %s: %s", cases[i].path, answer(why));
	}
	is_int(exists_by_type(rootfd, "a/in-link.wav", DT_LNK), EXISTS_REGULAR,
	    "a link to a file inside ROOT is a regular file");
	is_int(exists_by_type(rootfd, "a/out-link.wav", DT_LNK), EXDEV,
	    "a link out of ROOT is not");
	is_int(exists_by_type(rootfd, "a/folder", DT_DIR), EXISTS_NOT_REGULAR, "a folder");
	is_int(exists_by_type(rootfd, "a/fifo", DT_FIFO), EXISTS_NOT_REGULAR,
	    "a FIFO, without opening it");
	close(rootfd);
}

/* A folder that can be read but not searched: its listing names the file,
 * a lookup is refused (EACCES). Root searches anything: be nobody. */
static void
test_unsearchable(void)
{
	const char *paths[] = { "s/file.wav" };
	char *root = at("u"), *folder = at("u/s");
	int why[1] = { 0 }, rootfd, status = 0;
	pid_t pid;

	put("u/s/file.wav", "x");
	chmod(folder, 0644);
	if (geteuid() == 0) {
		fflush(stdout);
		if ((pid = fork()) == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
			rootfd = open(root, O_RDONLY | O_DIRECTORY);
			exists_check(rootfd, paths, 1, why, NULL);
			_exit(why[0] == EACCES && exists_by_stat(rootfd, paths[0]) == EACCES ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && WEXITSTATUS(status) != 1,
		    "a folder without search permission: EACCES, as a lookup says");
	} else {
		rootfd = open(root, O_RDONLY | O_DIRECTORY);
		exists_check(rootfd, paths, 1, why, NULL);
		is_int(why[0], EACCES, "a folder without search permission: EACCES");
		close(rootfd);
	}
	chmod(folder, 0755);
	free(folder);
	free(root);
}


/* Check the cache's tree c/ with a cache; the folders read, and each
 * answer against a lookup's. */
static unsigned long
cached_check(const char *const *paths, size_t n, const char *cache, const char *what)
{
	char *root = at("c");
	int rootfd = open(root, O_RDONLY | O_DIRECTORY), why[16];
	unsigned long before = exists_listings;
	size_t i, wrong = 0;

	free(root);
	exists_check(rootfd, paths, n, why, cache);
	for (i = 0; i < n; i++)
		if (why[i] != exists_by_stat(rootfd, paths[i])) {
			wrong++;
			fprintf(stderr, "# %s: %s: %s, a lookup says %s\n", what, paths[i], answer(why[i]),
			    answer(exists_by_stat(rootfd, paths[i])));
		}
	ok(wrong == 0, "%s: every answer a lookup's", what);
	close(rootfd);
	return exists_listings - before;
}

static ino_t
inode_of(const char *file)
{
	struct stat st;
	return stat(file, &st) == 0 ? st.st_ino : 0;
}

/* The folder's next change gets a later ctime: past a tick of the
 * filesystem's clock. */
static void
tick(void)
{
	usleep(50000);
}

static void
test_cache(void)
{
	const char *paths[] = { "x/1.wav", "x/2.wav", "x/3.wav", "y/1.wav", "y/link.wav",
	    "z/1.wav", "z/gone.wav" };
	const char *fewer[] = { "x/1.wav", "x/2.wav" };
	char *cache = at("cache/folders"), *file = at("c/x/2.wav");
	ino_t ino;
	FILE *f;

	put("c/x/1.wav", "x");
	put("c/x/2.wav", "x");
	put("c/x/3.wav", "x");
	put("c/y/1.wav", "x");
	link_at("1.wav", "c/y/link.wav");
	put("c/z/1.wav", "x");

	/* Just made: not old enough to be remembered. */
	is_int(cached_check(paths, 7, cache, "new folders"), 3, "new folders: all three read");
	ok(access(cache, F_OK) != 0, "... and none remembered: no cache file");
	is_int(cached_check(paths, 7, cache, "again"), 3, "again: all three read");

	exists_settled_ns = 0;
	tick();
	is_int(cached_check(paths, 7, cache, "settled"), 3, "settled: all three read");
	ok(access(cache, F_OK) == 0, "... and the cache written");
	is_int(cached_check(paths, 7, cache, "cached"), 2,
	    "cached: the folder of three files is not read again; the one with a link "
	    "and the one with a missing file are");
	ino = inode_of(cache);
	cached_check(paths, 7, cache, "cached, twice");
	ok(inode_of(cache) == ino, "nothing new remembered: the cache file is not written");
	is_int(cached_check(fewer, 2, cache, "other names"), 1,
	    "other names asked of the folder: read");
	is_int(cached_check(paths, 7, NULL, "no cache"), 3, "no cache: all read");

	tick();
	unlink(file);
	is_int(cached_check(paths, 7, cache, "a file removed"), 3,
	    "a file removed: its folder is read again");
	tick();
	put("c/x/2.wav", "y");
	is_int(cached_check(paths, 7, cache, "the file back"), 3, "the file back: read again");
	is_int(cached_check(paths, 7, cache, "then"), 2, "then remembered again");
	tick();
	if (rename(file, at("c/x/4.wav")) != 0 || rename(at("c/x/4.wav"), file) != 0)
		die("rename: %s", strerror(errno));
	is_int(cached_check(paths, 7, cache, "renamed away and back"), 3,
	    "a file renamed away and back: read again");
	tick();
	unlink(file);
	if (mkdir(file, 0755) != 0)
		die("mkdir: %s", strerror(errno));
	is_int(cached_check(paths, 7, cache, "a file replaced by a folder"), 3,
	    "a file replaced by a folder: read again, and not a regular file");

	/* A cache file cut short, or of something else: not read, and
	 * written anew. */
	rmdir(file);
	put("c/x/2.wav", "x");
	tick();
	cached_check(paths, 7, cache, "remembered");
	if (truncate(cache, 40) != 0)
		die("truncate: %s", strerror(errno));
	is_int(cached_check(paths, 7, cache, "a cache cut short"), 3, "a cache cut short: not read");
	is_int(cached_check(paths, 7, cache, "written anew"), 2, "... and written anew");
	if ((f = fopen(cache, "w")) == NULL)
		die("%s: %s", cache, strerror(errno));
	fputs("winnow-folders 1\n\xff\xff\xff\xff\xff\xff\xff\xff", f);
	fclose(f);
	is_int(cached_check(paths, 7, cache, "a cache of a wrong count"), 3,
	    "a cache of a count its size does not hold: not read");
	exists_settled_ns = 5000000000LL;
	free(cache);
	free(file);
}

int
main(void)
{
	testfs_init("exists");
	make_tree();
	test_listing_agrees();
	test_unknown_type();
	test_unsearchable();
	test_cache();
	return testfs_done();
}
