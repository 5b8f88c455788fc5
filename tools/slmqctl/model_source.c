// SPDX-License-Identifier: GPL-2.0
/*
 * Where slmqctl's models come from: a GGUF file is read as it is; a Hugging
 * Face directory is converted in memory to the F16 GGUF `slmqctl convert`
 * would write, so every command runs the same engine on the same bytes; a
 * directory holding model.gguf and no config.json (what `slmqctl quantize -o
 * OUT_DIR` writes) means its model.gguf, and so does an artifact directory
 * of `quantize --auto` (model.gguf next to its GPTQ-layout export, marked by
 * quantization_config.json).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kmod/engine/blocks.h"
#include "cli.h"
#include "convert.h"

static bool has_file(const char *dir, const char *name)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return !access(p, F_OK);
}

int cli_model_open(const char *path, struct cli_model *cm, struct slmq_err *err)
{
	return cli_model_open_flags(path, 0, cm, err);
}

int cli_model_open_flags(const char *path, u32 flags, struct cli_model *cm,
			 struct slmq_err *err)
{
	return cli_model_open_first(path, flags, NULL, NULL, cm, err);
}

/* slmq_model_open() with @first between loading and interleaving. */
static int open_buffer(struct cli_model *cm, u32 flags,
		       int (*first)(const struct slmq_model *m, void *ctx,
				    struct slmq_err *err),
		       void *ctx, struct slmq_err *err)
{
	int ret;

	if (!first)
		return slmq_model_open(&cm->model, cm->buf, cm->len, flags,
				       &cli_allocator, err);
	ret = slmq_model_open(&cm->model, cm->buf, cm->len,
			      flags & ~SLMQ_OPEN_INTERLEAVE, &cli_allocator, err);
	if (ret)
		return ret;
	ret = first(&cm->model, ctx, err);
	if (!ret && (flags & SLMQ_OPEN_INTERLEAVE))
		ret = slmq_model_interleave(&cm->model, &cli_allocator, err);
	if (ret)
		slmq_model_release(&cm->model, &cli_allocator);
	return ret;
}

int cli_model_open_first(const char *path, u32 flags,
			 int (*first)(const struct slmq_model *m, void *ctx,
				      struct slmq_err *err),
			 void *ctx, struct cli_model *cm, struct slmq_err *err)
{
	struct stat st;
	int ret;

	memset(cm, 0, sizeof(*cm));
	snprintf(cm->path, sizeof(cm->path), "%s", path);
	if (stat(path, &st) < 0)
		return slmq_fail(err, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode) && has_file(path, "model.gguf") &&
	    (!has_file(path, "config.json") ||	/* an OUT_DIR of slmqctl quantize */
	     has_file(path, "quantization_config.json")))	/* of quantize --auto */
		snprintf(cm->path, sizeof(cm->path), "%s/model.gguf", path);
	else if (S_ISDIR(st.st_mode)) {
		ret = convert_dir_to_buffer(path, SLMQ_TYPE_F16, &cm->buf, &cm->len, err);
		if (ret)
			return ret;
	}
	if (!cm->buf) {
		ret = cli_read_file(cm->path, &cm->buf, &cm->len);
		if (ret)
			return slmq_fail(err, ret, "%s: %s", cm->path, strerror(-ret));
	}
	ret = open_buffer(cm, flags, first, ctx, err);
	if (ret) {
		free(cm->buf);
		cm->buf = NULL;
	}
	return ret;
}

void cli_model_close(struct cli_model *cm)
{
	if (!cm->buf)
		return;
	slmq_model_release(&cm->model, &cli_allocator);
	free(cm->buf);
	cm->buf = NULL;
}
