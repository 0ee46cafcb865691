/* sha-floor.c — the least work apply's check can do: read "FROM\tTO" lines
 * and, for each FROM, open it, read it whole, take its sha256 (OpenSSL, as
 * winnow does) and close it, on one core. Its CPU time beside the rename
 * loop's says how near a bare rename apply can come on a given number of
 * cores. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	static unsigned char chunk[65536];
	unsigned char md[EVP_MAX_MD_SIZE];
	char line[8192], *tab;
	unsigned mdlen;
	EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	int bad = 0;

	while (fgets(line, sizeof line, stdin)) {
		EVP_MD_CTX *ctx;
		ssize_t n;
		int fd;
		line[strcspn(line, "\n")] = '\0';
		if ((tab = strchr(line, '\t')) != NULL)
			*tab = '\0';
		if ((fd = open(line, O_RDONLY)) < 0) {
			perror(line);
			bad = 1;
			continue;
		}
		ctx = EVP_MD_CTX_new();
		EVP_DigestInit_ex2(ctx, sha, NULL);
		/* A short read is the end of a regular file, as apply takes it. */
		while ((n = read(fd, chunk, sizeof chunk)) > 0) {
			EVP_DigestUpdate(ctx, chunk, (size_t)n);
			if ((size_t)n < sizeof chunk)
				break;
		}
		EVP_DigestFinal_ex(ctx, md, &mdlen);
		EVP_MD_CTX_free(ctx);
		close(fd);
	}
	EVP_MD_free(sha);
	return bad;
}
