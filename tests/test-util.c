/* test-util.c — names shown escaped, UTF-8 validation, paths that must stay
 * inside a root, and file hashes (hash.h) checked against sha256sum(1). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"
#include "worker.h"

static void
mkdir_in(const char *rel)
{
	char *path = at("%s", rel);
	if (mkdir(path, 0755) != 0) {
		perror(path);
		exit(2);
	}
	free(path);
}

static void
symlink_in(const char *target, const char *rel)
{
	char *path = at("%s", rel);
	if (symlink(target, path) != 0) {
		perror(path);
		exit(2);
	}
	free(path);
}

static void
is_escaped(const char *name, const char *want, const char *what)
{
	struct buf b = { 0 };
	/* escaped_name empties the buffer first: what was in it must go. */
	buf_adds(&b, "left over");
	is_str(escaped_name(&b, name), want, what);
	buf_free(&b);
}

static void
test_escape(void)
{
	is_escaped("yes/0a7c2a8d_nohash_0.wav", "yes/0a7c2a8d_nohash_0.wav",
	    "plain ASCII is shown as is");
	is_escaped("caf\xc3\xa9/\xe5\xa3\xb0.wav", "caf\xc3\xa9/\xe5\xa3\xb0.wav",
	    "valid UTF-8 is shown as is");
	is_escaped("caf\xe9.wav", "caf\\xe9.wav", "a Latin-1 byte is shown as \\xNN");
	is_escaped("a\tb\nc\x7f", "a\\x09b\\x0ac\\x7f", "control characters are escaped");
	is_escaped("back\\slash", "back\\\\slash", "a backslash is doubled, so escapes are unambiguous");
	is_escaped("\xc2\x85x", "\\xc2\\x85x", "a C1 control (U+0085) is escaped byte by byte");
	is_escaped("\xc2\xa0x", "\xc2\xa0x", "U+00A0 is printable and kept");
	is_escaped("\xe2\x82", "\\xe2\\x82", "a sequence cut short is escaped");
	is_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80", "an encoded surrogate is escaped");
	is_escaped("\xc0\xaf", "\\xc0\\xaf", "an overlong encoding is escaped");
	is_escaped("", "", "the empty name");
}

/* Every byte string escape_name can meet comes back from unescape_name: the
 * decoder reads what winnow prints (a rogues list copied from a listing). */
static void
test_unescape(void)
{
	static const char *names[] = {
		"yes/0a7c2a8d_nohash_0.wav", "caf\xc3\xa9/\xe5\xa3\xb0.wav", "caf\xe9.wav",
		"a\tb\nc\x7f", "back\\slash", "\\x41 looks like an escape", "\xc2\x85x",
		"\xe2\x82", "\xed\xa0\x80", "ends in \\", "",
	};
	char bad[][12] = { "trail\\", "\\q", "\\x4", "\\xzz", "\\x00" };
	struct buf b = { 0 };
	char *copy, bytes[256];
	size_t i;
	int round_trips = 1;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		copy = xstrdup(escaped_name(&b, names[i]));
		is_int(unescape_name(copy), 0, "an escaped name decodes");
		is_str(copy, names[i], "to the name's own bytes");
		free(copy);
	}
	/* Every byte but NUL, each alone and all in one name. */
	for (i = 1; i < 256; i++) {
		char one[2] = { (char)i, 0 };
		bytes[i - 1] = (char)i;
		copy = xstrdup(escaped_name(&b, one));
		if (unescape_name(copy) != 0 || strcmp(copy, one) != 0)
			round_trips = 0;
		free(copy);
	}
	bytes[255] = '\0';
	copy = xstrdup(escaped_name(&b, bytes));
	ok(round_trips && unescape_name(copy) == 0 && strcmp(copy, bytes) == 0,
	    "each of the 255 bytes comes back, alone and together");
	free(copy);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ok(unescape_name(bad[i]) == -1, "a malformed escape is refused: %s", bad[i]);
	buf_free(&b);
}

static void
test_utf8(void)
{
	ok(utf8_valid("", 0), "empty is valid UTF-8");
	ok(utf8_valid("h\xc3\xa9llo \xf0\x9f\x8e\xa4", 11), "two-byte and four-byte sequences");
	ok(!utf8_valid("\xff", 1), "0xff is never UTF-8");
	ok(!utf8_valid("\xc3", 1), "a lead byte without its continuation");
	ok(!utf8_valid("\xc3\xa9", 1), "the length bounds the check");
	ok(!utf8_valid("\xe0\x80\xaf", 3), "overlong three-byte form");
	ok(!utf8_valid("\xf4\x90\x80\x80", 4), "beyond U+10FFFF");
	ok(!utf8_valid("\xed\xb0\x80", 3), "a surrogate");
	ok(utf8_valid("\xef\xbf\xbf", 3), "U+FFFF is valid");
}

static void
test_path_is_clean(void)
{
	ok(path_is_clean("yes/a.wav"), "label/file is clean");
	ok(path_is_clean("a.wav"), "a bare name is clean");
	ok(path_is_clean("..a/b..c/...wav"), "dots inside names are fine");
	ok(!path_is_clean(""), "empty is refused");
	ok(!path_is_clean("/etc/passwd"), "absolute is refused");
	ok(!path_is_clean("../x.wav"), "a leading .. is refused");
	ok(!path_is_clean("yes/../../x.wav"), "an inner .. is refused");
	ok(!path_is_clean("yes/.."), "a trailing .. is refused");
	ok(!path_is_clean("./yes/a.wav"), "a . component is refused");
	ok(!path_is_clean("yes//a.wav"), "an empty component is refused");
	ok(!path_is_clean("yes/"), "a trailing slash is refused");
}

static void
test_open_beneath(void)
{
	int root, fd;
	char *path;

	mkdir_in("root");
	mkdir_in("root/yes");
	put_bytes("root/yes/a.wav", "RIFF", 4);
	put_bytes("secret", "secret", 6);
	symlink_in("../yes/a.wav", "root/yes/inside.wav");
	symlink_in("../../secret", "root/yes/out.wav");
	path = xasprintf("%s/secret", tmpdir);
	symlink_in(path, "root/yes/abs.wav");
	free(path);
	symlink_in("..", "root/up");
	symlink_in("missing.wav", "root/yes/broken.wav");

	path = xasprintf("%s/root", tmpdir);
	root = open(path, O_RDONLY | O_DIRECTORY);
	free(path);
	ok(root >= 0, "open the root");

	fd = open_beneath(root, "yes/a.wav", O_RDONLY);
	ok(fd >= 0, "a file inside opens");
	if (fd >= 0)
		close(fd);
	fd = open_beneath(root, "yes/inside.wav", O_RDONLY);
	ok(fd >= 0, "a link that stays inside opens");
	if (fd >= 0) {
		char head[4];
		ok(read(fd, head, 4) == 4 && memcmp(head, "RIFF", 4) == 0,
		    "and reads its target");
		close(fd);
	}
	errno = 0;
	is_int(open_beneath(root, "../secret", O_RDONLY), -1, "'..' out of the root fails");
	is_int(errno, EXDEV, "with EXDEV");
	errno = 0;
	is_int(open_beneath(root, "yes/../../secret", O_RDONLY), -1,
	    "an inner '..' that climbs out fails");
	is_int(errno, EXDEV, "with EXDEV");
	errno = 0;
	is_int(open_beneath(root, "yes/out.wav", O_RDONLY), -1, "a relative link out fails");
	is_int(errno, EXDEV, "with EXDEV");
	errno = 0;
	is_int(open_beneath(root, "yes/abs.wav", O_RDONLY), -1, "an absolute link out fails");
	is_int(errno, EXDEV, "with EXDEV");
	errno = 0;
	is_int(open_beneath(root, "up/secret", O_RDONLY), -1, "a linked folder out fails");
	is_int(errno, EXDEV, "with EXDEV");
	errno = 0;
	path = xasprintf("%s/secret", tmpdir);
	is_int(open_beneath(root, path, O_RDONLY), -1, "an absolute path fails");
	is_int(errno, EXDEV, "with EXDEV");
	free(path);
	errno = 0;
	is_int(open_beneath(root, "yes/nothing.wav", O_RDONLY), -1, "a missing file fails");
	is_int(errno, ENOENT, "with ENOENT");
	errno = 0;
	is_int(open_beneath(root, "yes/broken.wav", O_RDONLY), -1, "a broken link fails");
	is_int(errno, ENOENT, "with ENOENT");
	close(root);
}

/* sha256sum's answer for a file, or "" when it cannot be run. */
static void
sha256sum_of(const char *rel, char out[65])
{
	char *cmd = xasprintf("sha256sum '%s/%s'", tmpdir, rel);
	FILE *p = popen(cmd, "r");
	out[0] = '\0';
	if (p != NULL) {
		if (fscanf(p, "%64s", out) != 1)
			out[0] = '\0';
		pclose(p);
	}
	free(cmd);
}

static void
test_sha256(void)
{
	static const char *const names[] = { "empty", "short", "big" };
	char got[65], want[65], *path;
	unsigned char *big;
	size_t i, n = 200000;
	int root;

	mkdir_in("hash");
	put_bytes("hash/empty", "", 0);
	put_bytes("hash/short", "abc", 3);
	big = xmalloc(n);
	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 7919 >> 3);
	/* Larger than one read chunk, so the hash spans several reads. */
	put_bytes("hash/big", big, n);
	free(big);
	symlink_in("short", "hash/link");
	symlink_in("../secret", "hash/out");

	path = xasprintf("%s/hash", tmpdir);
	root = open(path, O_RDONLY | O_DIRECTORY);
	free(path);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char *rel = xasprintf("hash/%s", names[i]);
		sha256sum_of(rel, want);
		ok(sha256_file(root, names[i], got) == 0, "sha256 of %s", names[i]);
		is_str(got, want, "matches sha256sum");
		free(rel);
	}
	sha256sum_of("hash/short", want);
	ok(sha256_file(root, "link", got) == 0, "a link inside the root is hashed");
	is_str(got, want, "as its target");
	errno = 0;
	is_int(sha256_file(root, "out", got), -1, "a link out of the root is refused");
	is_int(errno, EXDEV, "with EXDEV");
	errno = 0;
	is_int(sha256_file(root, "none", got), -1, "a missing file fails");
	is_int(errno, ENOENT, "with ENOENT");
	errno = 0;
	is_int(sha256_file(root, "../hash/short", got), -1, "'..' is refused");
	is_int(errno, EXDEV, "with EXDEV");
	mkdir_in("hash/folder");
	errno = 0;
	is_int(sha256_file(root, "folder", got), -1, "a folder fails");
	is_int(errno, EISDIR, "with EISDIR");
	/* A FIFO named like a sample must neither hang the hasher nor pass. */
	path = xasprintf("%s/hash/fifo", tmpdir);
	ok(mkfifo(path, 0600) == 0, "made a FIFO");
	free(path);
	errno = 0;
	is_int(sha256_file(root, "fifo", got), -1, "a FIFO is refused");
	is_int(errno, EINVAL, "with EINVAL");
	{
		struct stat st, want_st;
		path = xasprintf("%s/hash/big", tmpdir);
		stat(path, &want_st);
		free(path);
		sha256sum_of("hash/big", want);
		ok(sha256_file_stat(root, "big", got, &st) == 0 && strcmp(got, want) == 0,
		    "sha256_file_stat hashes as sha256_file does");
		ok(st.st_ino == want_st.st_ino && st.st_size == want_st.st_size,
		    "and tells the file it opened");
	}
	close(root);
}

static void
test_buf_and_strings(void)
{
	struct buf b = { 0 };
	size_t i;
	is_str(buf_str(&b), "", "an empty buffer reads as \"\"");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "%zu,", i);
	is_int((long long)b.len, (long long)strlen(b.data), "length follows appends");
	ok(strncmp(b.data, "0,1,2,", 6) == 0 && strstr(b.data, ",999,") != NULL,
	    "appends keep their order");
	buf_free(&b);
	ok(has_suffix_ci("A.WAV", ".wav"), "suffix ignores ASCII case");
	ok(!has_suffix_ci("wav", ".wav"), "a suffix longer than the string");
}

static void
test_mkdir_p(void)
{
	char *deep = at("made/a/b/c"), *file = at("made/file"), *under = at("made/file/d");
	struct stat st;
	FILE *f;

	ok(mkdir_p(deep, 0700) == 0, "mkdir_p makes every missing folder");
	ok(stat(deep, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	    "the last one with the mode given");
	ok(mkdir_p(deep, 0700) == 0, "folders already there are fine");
	if ((f = fopen(file, "w")) != NULL)
		fclose(f);
	errno = 0;
	ok(mkdir_p(under, 0700) == -1 && errno == ENOTDIR,
	    "a file in the way: -1 with the mkdir's errno (ENOTDIR)");
	free(deep);
	free(file);
	free(under);
}

/* ---- parallel_for ---- */

struct fan {
	atomic_uint calls[16];
	pthread_t who[16];
	atomic_uint ticks;
};

static void
fan_part(void *arg, unsigned k)
{
	struct fan *f = arg;
	struct timespec pause = { 0, 20000000 };
	atomic_fetch_add(&f->calls[k], 1);
	f->who[k] = pthread_self();
	nanosleep(&pause, NULL);        /* long enough for a watcher's tick */
}

static void
fan_tick(void *arg)
{
	struct fan *f = arg;
	atomic_fetch_add(&f->ticks, 1);
}

static void
test_parallel_for(void)
{
	struct fan f;
	unsigned k, once = 1, apart = 1;

	ok(parallel_threads(1) == 1, "parallel_threads(1) is 1");
	ok(parallel_threads(1000) >= 1, "parallel_threads is at least 1");
	memset(&f, 0, sizeof f);
	parallel_for(8, fan_part, &f);
	for (k = 0; k < 8; k++)
		once &= atomic_load(&f.calls[k]) == 1;
	ok(once, "parallel_for calls every part once");
	ok(pthread_equal(f.who[0], pthread_self()), "part 0 runs on the caller's thread");
	for (k = 1; k < 8; k++)
		apart &= !pthread_equal(f.who[k], pthread_self());
	ok(apart, "the other parts run on threads of their own");
	ok(atomic_load(&f.calls[8]) == 0, "no part past n");

	memset(&f, 0, sizeof f);
	parallel_for_watched(4, fan_part, &f, fan_tick, &f);
	for (k = 0, once = 1; k < 4; k++)
		once &= atomic_load(&f.calls[k]) == 1 &&
		    !pthread_equal(f.who[k], pthread_self());
	ok(once, "parallel_for_watched runs every part off the caller's thread");
	ok(atomic_load(&f.ticks) >= 2, "the watcher ticks while they run and once at the end");
}

int
main(void)
{
	testfs_init("util");
	test_escape();
	test_unescape();
	test_utf8();
	test_path_is_clean();
	test_open_beneath();
	test_sha256();
	test_buf_and_strings();
	test_mkdir_p();
	test_parallel_for();
	return testfs_done();
}
