// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the quantizer's parsers of user input.  The bytes are a
 * calibration token file (calib_tokens() then calib_draw() with sizes taken
 * from the first bytes) and, as a string, a --mixed spec (mixed_parse()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../quant/calib.h"
#include "../quant/mixed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct calib_opts o = { .samples = 1 + (size ? data[0] % 16 : 0),
				.seqlen = 1 + (size > 1 ? data[1] % 64 : 0),
				.seed = size > 2 ? data[2] : 0 };
	struct mixed_map mm;
	struct calib_set cs;
	struct slmq_err se = { 0 };
	char *spec;
	u32 *ids;
	u64 n, i;

	if (!calib_tokens(data, size, false, NULL, 2048, &ids, &n, &se)) {
		if (!calib_draw(ids, n, &o, &cs, &se)) {
			/* every drawn id comes from the stream and is in range */
			for (i = 0; i < (u64)cs.nseq * cs.seqlen; i++)
				if (cs.ids[i] >= 2048)
					abort();
			calib_free(&cs);
		}
		free(ids);
	}
	spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	if (!mixed_parse(spec, size & 1, &mm, &se))
		(void)mixed_type_for(&mm, "blk.0.attn_q.weight", 0);
	free(spec);
	return 0;
}
