/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hugging Face Llama -> GGUF, following llama.cpp's convert_hf_to_gguf.py
 * (LlamaModel) key for key: see Documentation/gguf.md for the mapping.
 *
 * The converter only writes: it takes a plan, one entry per tensor with its
 * target type and, optionally, the finished data of that type.  An entry
 * without data is made from the tensor's floats (hf_tensor_f32(), so edits a
 * quantizer made to the cache count) in GGUF layout, q/k rows permuted, and
 * encoded row by row in the type's own format (slmq_quantize_row(): F16/F32,
 * or round-to-nearest for a block type).  Which type each tensor gets is not
 * decided here: `slmqctl convert` writes a float plan (qplan_alloc()), the
 * quantizer builds its own (quant/type_plan.c) and hands finished blocks for
 * what its methods made.
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
	/*
	 * Finished data (malloc'd, slmq_row_bytes(type, cols) * rows bytes, GGUF
	 * row order) that convert_model() writes as it is and frees, or NULL.
	 */
	void *blocks;
};

struct qplan {
	struct qplan_entry *e;	/* same order as the model's tensors */
	size_t n;
	uint32_t file_type;	/* general.file_type */
	char *config_json;	/* slmq.quantization_config (malloc'd) or NULL */
};

/*
 * A float plan: 2-D tensors type (F16 or F32), 1-D tensors F32 (llama.cpp
 * keeps norms F32), general.file_type to match.
 */
int qplan_alloc(struct qplan *p, struct hf_model *m, uint32_t type,
		struct slmq_err *err);
void qplan_free(struct qplan *p);
struct qplan_entry *qplan_find(struct qplan *p, const char *gguf_name);
/* llama.cpp's general.file_type for a file "mostly" of weight_type. */
uint32_t convert_file_type(uint32_t weight_type);

/*
 * Writes metadata, tokenizer and every tensor of plan into w, taking over
 * each entry's blocks.  Float caches of the model are dropped as tensors are
 * written.
 */
int convert_model(struct hf_model *m, struct qplan *plan,
		  struct gguf_writer *w, struct slmq_err *err);

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

/*
 * Only m's tokenizer metadata (the tokenizer.ggml.* keys convert_model()
 * writes), as a GGUF without tensors in memory: enough for the engine's
 * slmq_vocab_load() without converting any weight.
 */
int convert_vocab_to_buffer(const struct hf_model *m, void **buf, size_t *len,
			    struct slmq_err *err);

/* GGML type name as llama.cpp prints it ("q4_0"), or "?". */
const char *convert_type_name(uint32_t type);
/* "f32", "f16", "q8_0", "q4_0", "q4_1" -> type; -1 when unknown. */
int convert_parse_type(const char *s);

#endif /* SLMQCTL_CONVERT_H */
