// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl quantize: Hugging Face Llama directory -> OUT_DIR/model.gguf with
 * quantized weights.  The command line becomes struct slmq_quantize_params
 * (quant/options.c) and one slmq_quantize() call (quant/quantize.h) does the
 * work; which type each tensor gets is quant/type_plan.h's documented choice.
 * With --auto the acceptance loop (accept/) takes the command line instead.
 */
#include "cli.h"
#include "accept/accept.h"
#include "quant/options.h"

static int cmd_quantize(int argc, char **argv)
{
	struct slmq_quantize_result res;
	struct slmq_quantize_args a;
	struct slmq_err err = { 0 };
	struct hf_model m;
	int ret;

	if (accept_requested(argc, argv))
		return accept_run(argc, argv);
	if (slmq_quantize_parse_args(&a, argc, argv))
		return 1;
	if (hf_model_open(&m, a.model_dir, &err))
		return cli_fail("%s: %s", a.model_dir, err.msg);
	ret = slmq_quantize(&a.p, &m, &res, &err);
	hf_model_close(&m);
	if (ret)
		return cli_fail("quantize: %s", err.msg);
	if (cli_quiet)
		cli_print_json(json_object_get(res.json));
	else
		slmq_quantize_print(&res);
	slmq_quantize_result_free(&res);
	return 0;
}

SLMQCTL_COMMAND("quantize", cmd_quantize, slmq_quantize_cmd_usage,
		"quantize a Hugging Face Llama directory to OUT_DIR/model.gguf");
