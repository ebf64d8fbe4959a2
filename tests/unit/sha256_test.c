/* SHA-256 against the FIPS 180-4 / NIST example vectors, and the one-shot
 * digest against a split update (block boundaries). */
#include <string.h>

#include "sha256.h"
#include "tap.h"

static void vec(const char *in, size_t len, const char *hex)
{
	char tag[SHA256_TAG_LEN];
	sha256_tag(in, len, tag);
	check(strcmp(tag + 7, hex) == 0 && strncmp(tag, "sha256:", 7) == 0, "sha256 of %zu bytes: %s", len,
	      tag);
}

int main(void)
{
	vec("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	vec("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	vec(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	static char million[1000000];
	memset(million, 'a', sizeof million);
	vec(million, sizeof million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	/* 55, 56 and 64 bytes: the padding edge cases */
	char tag1[SHA256_TAG_LEN], tag2[SHA256_TAG_LEN];
	for (size_t n = 54; n <= 65; n++) {
		struct sha256 s;
		sha256_init(&s);
		for (size_t i = 0; i < n; i++)
			sha256_update(&s, million + i, 1);
		sha256_final_tag(&s, tag1);
		sha256_tag(million, n, tag2);
		check(strcmp(tag1, tag2) == 0, "byte-wise update == one shot at %zu bytes", n);
	}
	vec(million, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
