// SPDX-License-Identifier: GPL-2.0
/*
 * eval_load_tokens() on .bin id files: ids in range load, and an id outside
 * the vocabulary is reported with its own value and index.  The bad id sits
 * at index 0 on purpose: the reader used to free its id buffer and then read
 * the id back for the message, and free() overwrites a small chunk's first
 * bytes (glibc's tcache link), so the message showed another number (and
 * ASan reported a heap-use-after-free).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "eval.h"

static char dir[] = "/tmp/test_eval_data.XXXXXX";

static const char *write_bin(const char *name, const uint16_t *ids, size_t n,
			     size_t extra)
{
	static char path[128];
	unsigned char b[64] = { 0 };
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++) {
		b[2 * i] = ids[i] & 0xff;
		b[2 * i + 1] = ids[i] >> 8;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, 2 * n + extra, f);
		fclose(f);
	}
	return path;
}

int main(void)
{
	static const uint16_t good[] = { 1, 5, 999, 0 }, bad0[] = { 60000, 2, 3, 4, 5, 6, 7, 8 },
		bad3[] = { 1, 2, 3, 1000 };
	struct slmq_vocab v = { .n_tokens = 1000 };
	struct slmq_err err = { 0 };
	uint32_t *ids = NULL;
	char cmd[64], want[160];
	const char *p;
	size_t n = 0;
	int ret;

	if (!mkdtemp(dir))
		return tap_ok(0, "mkdtemp"), tap_done();
	ret = eval_load_tokens(write_bin("good.bin", good, 4, 0), &v, &ids, &n, &err);
	tap_ok(!ret && n == 4 && ids[0] == 1 && ids[2] == 999 && ids[3] == 0,
	       ".bin ids in range load in order");
	free(ids);

	p = write_bin("bad0.bin", bad0, 8, 0);
	snprintf(want, sizeof(want),
		 "%s: token 60000 at index 0 is outside the model's vocabulary (1000)", p);
	ret = eval_load_tokens(p, &v, &ids, &n, &err);
	if (!tap_ok(ret == -EINVAL && !strcmp(err.msg, want),
		    "out-of-vocabulary id at index 0 reported with its value"))
		tap_diag("got '%s'", err.msg);

	p = write_bin("bad3.bin", bad3, 4, 0);
	ret = eval_load_tokens(p, &v, &ids, &n, &err);
	tap_ok(ret == -EINVAL && strstr(err.msg, "token 1000 at index 3 "),
	       "out-of-vocabulary id at index 3 reported with its value");

	p = write_bin("odd.bin", good, 2, 1);
	ret = eval_load_tokens(p, &v, &ids, &n, &err);
	tap_ok(ret == -EINVAL && strstr(err.msg, "odd size 5"), "odd-sized .bin refused");

	ret = eval_parse_tokens("mem.bin", "\x07\x00\x08\x00", 4, true, &v, &ids, &n, &err);
	tap_ok(!ret && n == 2 && ids[0] == 7 && ids[1] == 8,
	       "eval_parse_tokens() reads the same format from memory");
	free(ids);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		tap_diag("could not remove %s", dir);
	return tap_done();
}
