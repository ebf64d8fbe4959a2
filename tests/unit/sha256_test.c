/* Unit tests for src/sha256.c: FIPS 180-4 / NIST example vectors. */
#include <string.h>

#include "sha256.h"
#include "tap.h"

static void vec(const char *msg, size_t reps, const char *want)
{
	struct sha256 s;
	char hex[65];
	sha256_init(&s);
	for (size_t i = 0; i < reps; i++)
		sha256_update(&s, msg, strlen(msg));
	sha256_final_hex(&s, hex);
	check(strcmp(hex, want) == 0, "sha256(%.20s x%zu) = %s", msg, reps, hex);
}

int main(void)
{
	vec("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	vec("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	vec("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	vec("a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
