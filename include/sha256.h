/* SHA-256 (FIPS 180-4), for the lock's digests of build-time code and
 * policies and of the build's inputs (report --inputs).  None of the libraries bsbox links (libseccomp, libcap, cJSON,
 * libbpf) exports one, and libcrypto is not worth a dependency for this.
 * Pure code, tested against the FIPS vectors in tests/unit/sha256_test.c. */
#ifndef BSBOX_SHA256_H
#define BSBOX_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
/* "sha256:" + 64 hex digits + NUL */
#define SHA256_TAG_LEN (7 + 2 * SHA256_LEN + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t len;       /* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);

/* The digest of data as "sha256:<hex>" into out. */
void sha256_tag(const void *data, size_t len, char out[SHA256_TAG_LEN]);
/* Finish s and write "sha256:<hex>" into out. */
void sha256_final_tag(struct sha256 *s, char out[SHA256_TAG_LEN]);

/* Finish s and write its 64 lowercase hex digits + NUL into hex. */
void sha256_final_hex(struct sha256 *s, char hex[2 * SHA256_LEN + 1]);
/* The digest of a file's contents as hex (report --inputs); 0 or -errno. */
int sha256_file(const char *path, char hex[2 * SHA256_LEN + 1]);

#endif
