// SPDX-License-Identifier: GPL-2.0
/* Writing the verdict and the report into the model file the kernel loads. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gguf_meta.h"
#include "validate.h"
#include "verdict.h"

/**
 * val_stamp_gguf() - set slmq.verdict and slmq.report in a GGUF file.
 * @path: the quantized model.gguf (rewritten atomically)
 * @rep: the validation report
 * @accepted: the verdict
 * @err: error report
 *
 * The report describes the file as it was measured: stamping adds only
 * metadata (the tensors are copied byte for byte), so the figures still hold.
 */
int val_stamp_gguf(const char *path, struct json_object *rep, bool accepted,
		   struct slmq_err *err)
{
	struct gm_kv kv[2] = {
		{ VAL_KEY_VERDICT, accepted ? "ACCEPTED" : "REJECTED" },
		{ VAL_KEY_REPORT, json_object_to_json_string_ext(rep,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) },
	};

	struct stat st;
	char file[4200];

	/* QUANT may be a quantize OUT_DIR: its model.gguf is what gets stamped. */
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(file, sizeof(file), "%s/model.gguf", path);
		path = file;
	}
	return gm_set_strings_file(path, kv, 2, err);
}
