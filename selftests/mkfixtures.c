// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side helper of the selftests build: an HF model directory to the GGUF
 * the guest tests load, with the converter slmqctl uses (F16, or F32 with
 * --f32).  Broken variants are made by the tests themselves, in memory.
 *
 *   mkfixtures HF_DIR OUT.gguf [--f32]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "convert.h"

int main(int argc, char **argv)
{
	struct slmq_err err;
	size_t len;
	void *buf;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--f32"))) {
		fprintf(stderr, "usage: mkfixtures HF_DIR OUT.gguf [--f32]\n");
		return 2;
	}
	if (convert_dir_to_buffer(argv[1], argc == 4 ? SLMQ_TYPE_F32 : SLMQ_TYPE_F16,
				  &buf, &len, &err)) {
		fprintf(stderr, "mkfixtures: %s\n", err.msg);
		return 1;
	}
	if (cli_write_file(argv[2], buf, len)) {
		fprintf(stderr, "mkfixtures: cannot write %s\n", argv[2]);
		return 1;
	}
	free(buf);
	return 0;
}
