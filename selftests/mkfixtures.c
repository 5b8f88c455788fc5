// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side helper of the selftests build: an HF model directory to the GGUF
 * the guest tests load, with the converter slmqctl uses (F16, or F32 with
 * --f32).  Broken variants are made by the tests themselves, in memory.
 *
 *   mkfixtures HF_DIR OUT.gguf [--f32]
 *   mkfixtures --stamp IN.gguf OUT.gguf VERDICT
 *
 * --stamp adds slmq.verdict = VERDICT and an slmq.report (JSON, over 32 KiB
 * so the kernel must send it in several pieces), as `slmqctl validate` does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "convert.h"
#include "validate/gguf_meta.h"

static int stamp(const char *in, const char *out, const char *verdict)
{
	size_t len, olen, i, n = 40000;
	struct slmq_err err;
	void *buf, *obuf;
	char *report;
	struct gm_kv kv[2];

	if (cli_read_file(in, &buf, &len))
		return 1;
	report = malloc(n + 128);
	if (!report)
		return 1;
	i = sprintf(report, "{\"verdict\":\"%s\",\"failed\":[\"quality\"],\"padding\":\"", verdict);
	memset(report + i, 'x', n);
	strcpy(report + i + n, "\"}");
	kv[0] = (struct gm_kv){ "slmq.verdict", verdict };
	kv[1] = (struct gm_kv){ "slmq.report", report };
	if (gm_set_strings(buf, len, kv, 2, &obuf, &olen, &err) ||
	    cli_write_file(out, obuf, olen)) {
		fprintf(stderr, "mkfixtures: cannot stamp %s\n", in);
		return 1;
	}
	free(report);
	free(buf);
	free(obuf);
	return 0;
}

int main(int argc, char **argv)
{
	struct slmq_err err;
	size_t len;
	void *buf;

	if (argc == 5 && !strcmp(argv[1], "--stamp"))
		return stamp(argv[2], argv[3], argv[4]);

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
