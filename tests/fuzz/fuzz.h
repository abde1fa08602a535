/* fuzz.h: what the libFuzzer harnesses share.  Each harness is one reader of stemrot run on
 * the fuzzer's bytes exactly as the programs run it: through a file (a memfd, so nothing is
 * left on disk), with the resource limits lowered so that each execution stays fast. */
#ifndef SR_FUZZ_H
#define SR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/limits.h"

/* The bytes as a file: returns a path (/proc/self/fd/N) that stays valid for the process; the
 * file is rewritten on each call. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("stemrot-fuzz", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_file");
		abort();
	}
	return path;
}

/* Limits small enough for thousands of executions a second, large enough to reach every
 * check (each reader's limit test runs against these). */
static inline void fuzz_limits(void)
{
	static int done;
	if (!done && sr_limits_set("samples=1M,meta-bytes=64k,meta-keys=4k,model-bytes=8M,"
	                           "net-params=1M,net-activations=4M") < 0)
		abort();
	done = 1;
}

#endif
