// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: a safetensors file's header and data table, then every tensor converted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct slmq_err err = { 0 };
	struct st_file f;
	size_t i;

	memcpy(buf, data, size);
	if (!st_parse(&f, buf, size, &err)) {
		for (i = 0; i < f.n; i++) {
			/* parsed sizes are bounded by the file, so this allocation is too */
			float *out = malloc(f.t[i].n_elems * sizeof(float) + 1);

			st_tensor_to_f32(&f.t[i], out);
			free(out);
		}
		st_file_free(&f);
	}
	free(buf);
	return 0;
}
