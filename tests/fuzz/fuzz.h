/* Shared by the libFuzzer targets in tests/fuzz/ (see README.md there).
 * FUZZ_CHECK states a property of the code under test; a violation aborts,
 * which libFuzzer reports as a crash with the input that caused it. */
#ifndef BSBOX_FUZZ_H
#define BSBOX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                       \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz: check failed: %s (%s:%d)\n", #cond, __FILE__,   \
				__LINE__);                                                     \
			abort();                                                               \
		}                                                                              \
	} while (0)

/* A NUL-terminated string inside a fixed buffer. */
#define FUZZ_CHECK_STR(buf) FUZZ_CHECK(memchr((buf), '\0', sizeof(buf)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
