/* hash.c — sha256 of a sample's bytes, and of bytes in memory (hash.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hash.h"
#include "sample.h"
#include "util.h"

/* OpenSSL 3 looks sha256 up among its providers on every EVP_sha256()
 * init, under a lock the hashing threads then queue on: look it up once. */
static EVP_MD *sha256_md;

static void
fetch_sha256(void)
{
	if ((sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		die("sha256: not available");
}

static void
sha256_init(EVP_MD_CTX **ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fetch_sha256);
	if ((*ctx = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex2(*ctx, sha256_md, NULL))
		die("sha256: cannot initialise");
}

static void
sha256_final(EVP_MD_CTX *ctx, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;

	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = "0123456789abcdef"[md[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	out[64] = '\0';
}

void
sha256_data(const void *data, size_t len, char out[65])
{
	EVP_MD_CTX *ctx;

	sha256_init(&ctx);
	EVP_DigestUpdate(ctx, data, len);
	sha256_final(ctx, out);
}

int
sha256_file(int rootfd, const char *path, char out[65])
{
	return sha256_file_stat(rootfd, path, out, NULL);
}

int
sha256_file_stat(int rootfd, const char *path, char out[65], struct stat *stp)
{
	unsigned char chunk[65536];
	EVP_MD_CTX *ctx;
	ssize_t n;
	off_t total = 0;
	int fd, saved = 0;
	struct stat st;

	if ((fd = sample_open(rootfd, path, &st, NULL)) < 0)
		return -1;
	/* OpenSSL's sha256 uses the CPU's SHA instructions: many times GLib's
	 * speed, which is what lets apply check 100,000 files in seconds. */
	sha256_init(&ctx);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
		total += n;
		/* A short read of a regular file is its end: no read more to
		 * be told so (a hundred thousand fewer calls for as many
		 * one-second clips). */
		if ((size_t)n < sizeof chunk && total >= st.st_size)
			break;
	}
	close(fd);
	sha256_final(ctx, out);
	if (saved) {
		errno = saved;
		return -1;
	}
	if (stp != NULL)
		*stp = st;
	return 0;
}
