/* fuzz.h — what the libFuzzer harnesses share: a private folder for the
 * files a parser must read from disk, removed when the fuzzer exits.
 *
 * Each harness is one file, fuzz/NAME-fuzzer.c, built by contrib/fuzz with
 * -fsanitize=fuzzer,address,undefined against the library's objects; its
 * seed inputs are in fuzz/corpus/NAME/. A harness prints nothing per input:
 * libFuzzer's own lines are the output. */
#ifndef WINNOW_FUZZ_H
#define WINNOW_FUZZ_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_root[4096];

static inline int
fuzz_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void
fuzz_cleanup(void)
{
	if (fuzz_root[0])
		nftw(fuzz_root, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The folder, made on first use. Returns its path (static). */
static inline const char *
fuzz_dir(void)
{
	const char *tmp;

	if (fuzz_root[0])
		return fuzz_root;
	tmp = getenv("TMPDIR");
	snprintf(fuzz_root, sizeof fuzz_root, "%s/winnow-fuzz.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fuzz_root) == NULL)
		die("%s: cannot make a folder", fuzz_root);
	atexit(fuzz_cleanup);
	return fuzz_root;
}

/* Write bytes to NAME (a path relative to the folder; its folders are
 * made). Returns the full path, heap; the caller frees it. */
static inline char *
fuzz_write(const char *name, const void *data, size_t size)
{
	char *path = xasprintf("%s/%s", fuzz_dir(), name), *slash;
	FILE *f;

	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		mkdir_p(path, 0700);
		*slash = '/';
	}
	if ((f = fopen(path, "wb")) == NULL ||
	    (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		die("%s: cannot write", path);
	return path;
}

/* A small folder dataset, ROOT/{yes,no,up}/..., the same for every input,
 * for the parsers that join rows to samples. Returns ROOT (heap). */
static inline char *
fuzz_dataset(void)
{
	static const char *const files[] = {
		"yes/0a7c2a8d_nohash_0.wav", "yes/0a7c2a8d_nohash_1.wav",
		"no/0b1c5e3f_nohash_0.wav", "no/9d0c55e1_nohash_0.wav",
		"up/3a1f09c2_nohash_0.wav", "_unlabeled/x.wav",
	};
	size_t i;
	char *p;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *name = xasprintf("ds/%s", files[i]);
		free(fuzz_write(name, "RIFF", 4));
		free(name);
	}
	p = xasprintf("%s/ds", fuzz_dir());
	return p;
}

#ifdef WINNOW_DATASET_H
/* That dataset, opened: what the harnesses that join rows to samples read
 * against (include dataset.h before this file). */
static inline struct dataset *
fuzz_dataset_open(void)
{
	char *root = fuzz_dataset(), *cause = NULL;
	struct dataset *ds = dataset_open(root, &cause);

	if (ds == NULL)
		die("%s", cause);
	free(root);
	return ds;
}
#endif

#endif
