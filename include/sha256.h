/* SHA-256 (FIPS 180-4), for `bsbox report --inputs`: pure, no allocation. */
#ifndef BSBOX_SHA256_H
#define BSBOX_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;      /* bytes so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* 64 lowercase hex digits + NUL into hex[65]. */
void sha256_final_hex(struct sha256 *s, char hex[65]);
/* The digest of a file's contents; 0 or -errno. */
int sha256_file(const char *path, char hex[65]);

#endif
