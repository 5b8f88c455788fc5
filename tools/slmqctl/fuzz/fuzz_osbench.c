// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: os_bench.jsonl (slmqctl osbench --data), parsed line by
 * line into items whose fields must all be there when it succeeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slmq_err err = { 0 };
	struct osbench_items items;
	char *buf = malloc(size + 1);
	size_t i;

	memcpy(buf, data, size);
	buf[size] = 0;
	if (!osbench_parse("fuzz.jsonl", buf, size & 1 ? 3 : 0, &items, &err)) {
		if (!items.n || ((size & 1) && items.n > 3))
			abort();
		for (i = 0; i < items.n; i++)
			if (!items.v[i].id || !items.v[i].category || !items.v[i].answer ||
			    !items.v[i].prompt_ids || !items.v[i].n_prompt)
				abort();
		osbench_free(&items);
	} else if (!err.msg[0]) {
		abort();
	}
	free(buf);
	return 0;
}
