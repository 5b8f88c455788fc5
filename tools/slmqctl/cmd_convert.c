// SPDX-License-Identifier: GPL-2.0
/* slmqctl convert: Hugging Face Llama directory -> F16 or F32 GGUF. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/engine/blocks.h"
#include "cli.h"
#include "convert.h"
#include "plan_report.h"

struct convert_args {
	const char *dir, *out;
	uint32_t type;
};

#define CONVERT_USAGE "slmqctl convert MODEL_DIR -o out.gguf [--dtype f16|f32]"

static int parse_dtype(const char *s, uint32_t *type)
{
	if (!strcmp(s, "f16"))
		*type = SLMQ_TYPE_F16;
	else if (!strcmp(s, "f32"))
		*type = SLMQ_TYPE_F32;
	else
		return cli_fail("convert: --dtype must be f16 or f32, not '%s'", s);
	return 0;
}

static int parse_args(int argc, char **argv, struct convert_args *a)
{
	static const struct option opts[] = {
		{ "dtype", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->type = SLMQ_TYPE_F16;
	optind = 1;
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			a->out = optarg;
		else if (c == 'd' && parse_dtype(optarg, &a->type))
			return 1;
		else if (c == '?')
			return cli_fail("convert: unexpected argument '%s' (usage: " CONVERT_USAGE ")",
					argv[optind - 1]);
	}
	if (optind < argc)
		a->dir = argv[optind++];
	if (optind < argc)
		return cli_fail("convert: unexpected argument '%s' (usage: " CONVERT_USAGE ")",
				argv[optind]);
	if (!a->dir || !a->out)
		return cli_fail("convert: need MODEL_DIR and -o out.gguf");
	return 0;
}

static void report(const struct convert_args *a, const struct hf_model *m,
		   const struct qplan *p)
{
	unsigned long long bytes, params;
	struct json_object *o;

	plan_totals(p, &bytes, &params);
	if (!cli_quiet) {
		plan_report_print(p);
		printf("wrote %s\n", a->out);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "output", json_object_new_string(a->out));
	json_object_object_add(o, "model", json_object_new_string(m->name));
	json_object_object_add(o, "dtype", json_object_new_string(convert_type_name(a->type)));
	json_object_object_add(o, "file_type", json_object_new_int((int)p->file_type));
	json_object_object_add(o, "n_params", json_object_new_int64((int64_t)params));
	json_object_object_add(o, "weight_bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "n_tensors", json_object_new_int64((int64_t)p->n));
	json_object_object_add(o, "tensors", plan_report_json(p));
	cli_print_json(o);
}

static int cmd_convert(int argc, char **argv)
{
	struct convert_args a = { 0 };
	struct slmq_err err = { 0 };
	struct gguf_writer *w = NULL;
	struct hf_model m;
	struct qplan p;
	int ret;

	if (parse_args(argc, argv, &a))
		return 1;
	if (hf_model_open(&m, a.dir, &err))
		return cli_fail("%s: %s", a.dir, err.msg);
	ret = qplan_alloc(&p, &m, a.type, &err);
	if (!ret) {
		w = gguf_writer_new();
		ret = w ? convert_model(&m, &p, w, &err) :
			  slmq_fail(&err, -ENOMEM, "out of memory");
	}
	if (!ret) {
		ret = gguf_writer_write_file(w, a.out);
		if (ret)
			slmq_fail(&err, ret, "%s: %s", a.out, strerror(-ret));
	}
	if (!ret)
		report(&a, &m, &p);
	gguf_writer_free(w);
	qplan_free(&p);
	hf_model_close(&m);
	return ret ? cli_fail("convert: %s", err.msg) : 0;
}

SLMQCTL_COMMAND("convert", cmd_convert, "MODEL_DIR -o out.gguf [--dtype f16|f32] [--json]",
		"Hugging Face Llama directory -> GGUF (llama.cpp conventions)");
