/* SPDX-License-Identifier: GPL-2.0 */
/* validate --backend kernel: slmq.ko against the userspace engine (kernel_backend.c). */
#ifndef SLMQ_VALIDATE_KERNEL_BACKEND_H
#define SLMQ_VALIDATE_KERNEL_BACKEND_H

#include "validate.h"

struct kb_opts {
	const struct val_opts *vo;	/* prompts, gen tokens, seed */
	const char *eval_path;
	size_t max_tokens;		/* eval tokens used; 0: EVAL_PPL_DEFAULT_TOKENS */
	uint32_t ctx;			/* perplexity window; 0: the model's context */
};

struct kb_result {
	bool have_ppl;
	double ppl_kernel, ppl_user;
	uint32_t ppl_ctx, ppl_windows;
	uint64_t ppl_positions, nll_mismatches;	/* positions whose NLL bits differ */
	int completions, gen_mismatches;
	bool have_bench;
	uint32_t bench_items, bench_exact_kernel, bench_exact_user, bench_mismatches;
	bool agree;
};

int kb_validate(const char *name, const struct cli_model *cm, const struct kb_opts *ko,
		const struct val_prompts *ps, struct kb_result *res, struct slmq_err *err);
struct json_object *kb_report_json(const char *name, const char *path,
				   const struct kb_opts *ko, const struct kb_result *r);

#endif /* SLMQ_VALIDATE_KERNEL_BACKEND_H */
