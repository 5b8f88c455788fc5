/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hugging Face Llama -> GGUF, following llama.cpp's convert_hf_to_gguf.py
 * (LlamaModel) key for key: see Documentation/gguf.md for the mapping.
 *
 * What each tensor becomes is a quantization plan: one entry per tensor with
 * its target type and a slot for a quantization method's own data.  The
 * converter writes every tensor of the plan; for each one it first offers a
 * hook the tensor's floats in GGUF layout (q/k rows already permuted;
 * convert_permute_rows() does the same to blocks made in HF row order), which
 * may
 *   - do nothing: the converter rounds to nearest (RTN) into entry->type;
 *   - change the floats in place: RTN of the changed weights;
 *   - hand back finished blocks of entry->type (GPTQ): written as they are.
 * Methods that need to change weights across tensors before any is written
 * (AWQ folding scales into norms) can instead edit hf_tensor_f32() of the
 * model before calling convert_model(): the converter uses the cached floats.
 */
#ifndef SLMQCTL_CONVERT_H
#define SLMQCTL_CONVERT_H

#include <stdint.h>

#include "../../kmod/engine/compat.h"
#include "gguf_writer.h"
#include "hf_model.h"

/* llama.cpp's llama_ftype values for general.file_type */
enum llama_ftype {
	LLAMA_FTYPE_ALL_F32 = 0,
	LLAMA_FTYPE_MOSTLY_F16 = 1,
	LLAMA_FTYPE_MOSTLY_Q4_0 = 2,
	LLAMA_FTYPE_MOSTLY_Q4_1 = 3,
	LLAMA_FTYPE_MOSTLY_Q8_0 = 7,
};

struct qplan_entry {
	struct hf_tensor *t;	/* source: names, kind, layer, shape */
	uint32_t type;		/* enum slmq_type to write */
	void *method_data;	/* owned by the method that put it there */
};

struct qplan {
	struct qplan_entry *e;	/* same order as the model's tensors */
	size_t n;
	uint32_t file_type;	/* general.file_type */
	char *config_json;	/* slmq.quantization_config (malloc'd) or NULL */
};

/*
 * A plan giving 2-D weights weight_type, token_embd embd_type, output
 * out_type and norms F32 (llama.cpp keeps 1-D tensors F32).  A block type on
 * a row length that is not a multiple of 32 falls back to F16.
 */
int qplan_init(struct qplan *p, struct hf_model *m, uint32_t weight_type,
	       uint32_t embd_type, uint32_t out_type, struct slmq_err *err);
void qplan_free(struct qplan *p);
struct qplan_entry *qplan_find(struct qplan *p, const char *gguf_name);

struct convert_hook {
	/*
	 * w: rows x cols floats of e->t in GGUF layout, writable.  To supply
	 * finished blocks set *blocks to a malloc'd buffer of exactly
	 * slmq_row_bytes(e->type, cols) * rows bytes (the converter frees it).
	 * Return 0 or a negative errno with err set.
	 */
	int (*tensor)(void *ctx, struct qplan_entry *e, float *w, void **blocks,
		      struct slmq_err *err);
	void *ctx;
};

/*
 * Writes metadata, tokenizer and every tensor of plan into w.  hook may be
 * NULL (plain RTN).  Float caches of the model are dropped as tensors are
 * written.
 */
int convert_model(struct hf_model *m, const struct qplan *plan,
		  const struct convert_hook *hook, struct gguf_writer *w,
		  struct slmq_err *err);

/*
 * The q/k row permutation (llama.cpp's permute()) on rows of any kind, so a
 * method working in HF row order can permute its finished blocks too.
 * convert_permute_heads() is the head count to permute t with, 0 for none.
 */
int convert_permute_rows(void *data, uint64_t rows, size_t row_bytes,
			 uint32_t n_head);
uint32_t convert_permute_heads(const struct hf_model *m,
			       const struct hf_tensor *t);

/* HF dir -> F16 (or F32) GGUF in memory: what `slmqctl convert` writes. */
int convert_dir_to_buffer(const char *dir, uint32_t type, void **buf,
			  size_t *len, struct slmq_err *err);

/* GGML type name as llama.cpp prints it ("q4_0"), or "?". */
const char *convert_type_name(uint32_t type);
/* "f32", "f16", "q8_0", "q4_0", "q4_1" -> type; -1 when unknown. */
int convert_parse_type(const char *s);

#endif /* SLMQCTL_CONVERT_H */
