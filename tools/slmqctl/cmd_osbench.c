// SPDX-License-Identifier: GPL-2.0
/* slmqctl osbench: the os_bench knowledge benchmark, greedy, engine figures. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eval.h"
#include "pool.h"

#define USAGE "usage: slmqctl osbench MODEL --data os_bench.jsonl [--limit N] [--threads N] [--kv f16|f32] [--json]"

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	cli_progress("os_bench", done, total);
}

static void print_json(const char *model, const struct osbench_items *items,
		       const struct osbench_result *r)
{
	struct json_object *j = json_object_new_object();
	struct json_object *cats = json_object_new_object();
	struct json_object *preds = json_object_new_array();
	uint32_t i;

	for (i = 0; i < r->n_cats; i++) {
		const struct osbench_cat *c = &r->cats[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "n", json_object_new_int(c->n));
		json_object_object_add(o, "exact", json_object_new_int(c->exact));
		json_object_object_add(o, "acc", json_object_new_double((double)c->exact / c->n));
		json_object_object_add(o, "prefix", json_object_new_double(c->prefix_sum / c->n));
		json_object_object_add(cats, c->name, o);
	}
	for (i = 0; i < items->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(items->v[i].id));
		json_object_object_add(o, "pred", json_object_new_string(r->predictions[i]));
		json_object_object_add(o, "correct", json_object_new_boolean(
			!strcmp(r->predictions[i], items->v[i].answer)));
		json_object_array_add(preds, o);
	}
	json_object_object_add(j, "model", json_object_new_string(model));
	json_object_object_add(j, "items", json_object_new_int(r->n));
	json_object_object_add(j, "exact", json_object_new_int(r->exact));
	json_object_object_add(j, "acc", json_object_new_double(r->acc));
	json_object_object_add(j, "prefix", json_object_new_double(r->prefix));
	json_object_object_add(j, "device_items", json_object_new_int(r->device_n));
	json_object_object_add(j, "device_vendor_acc", json_object_new_double(r->device_vendor_acc));
	json_object_object_add(j, "by_category", cats);
	json_object_object_add(j, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(j, "predictions", preds);
	cli_print_json(j);
}

static void print_table(const struct osbench_result *r)
{
	uint32_t i;

	printf("os_bench: %u items, exact %.1f %% (%u), prefix %.3f, device->vendor %.1f %% (%u/%u), %.1f s\n",
	       r->n, 100.0 * r->acc, r->exact, r->prefix,
	       100.0 * r->device_vendor_acc, r->device_vendor_ok, r->device_n,
	       r->seconds);
	for (i = 0; i < r->n_cats; i++)
		printf("  %-12s %4u items  exact %5.1f %%  prefix %.3f\n",
		       r->cats[i].name, r->cats[i].n,
		       100.0 * r->cats[i].exact / r->cats[i].n,
		       r->cats[i].prefix_sum / r->cats[i].n);
}

static int cmd_osbench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "kv", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct slmq_err err = { 0 };
	struct osbench_items items;
	struct osbench_result r;
	const char *data = NULL;
	struct slmq_env env;
	struct cli_model cm;
	unsigned long limit = 0;
	unsigned int threads = 0;
	u32 flags = 0;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			data = optarg;
			break;
		case 'l':
			limit = strtoul(optarg, &end, 10);
			if (!*optarg || *end || *optarg == '-' || !limit)
				return cli_fail("--limit: '%s' is not a positive number", optarg);
			break;
		case 't':
			threads = pool_parse_threads(optarg);
			if (!threads)
				return 1;
			break;
		case 'K':
			if (cli_parse_kv(optarg, &flags))
				return 1;
			break;
		case 'j':
			break;
		default:
			return cli_fail(USAGE);
		}
	}
	if (optind != argc - 1 || !data)
		return cli_fail(USAGE);
	if (osbench_load(data, limit, &items, &err))
		return cli_fail("%s", err.msg);
	if (cli_model_open_flags(argv[optind], SLMQ_OPEN_INTERLEAVE, &cm, &err)) {
		osbench_free(&items);
		return cli_fail("%s", err.msg);
	}
	cli_env_init(&env);
	if (eval_osbench(&cm.model, &env, &items, threads, flags, &r, progress, NULL, &err)) {
		osbench_free(&items);
		cli_model_close(&cm);
		return cli_fail("%s", err.msg);
	}
	if (cli_quiet)
		print_json(cm.path, &items, &r);
	else
		print_table(&r);
	osbench_result_free(&r, items.n);
	osbench_free(&items);
	cli_model_close(&cm);
	return 0;
}

SLMQCTL_COMMAND("osbench", cmd_osbench, "MODEL --data os_bench.jsonl [--limit N] [--threads N] [--kv f16|f32] [--json]",
		"os_bench knowledge benchmark: greedy exact match, prefix, device->vendor; --threads: workers (default: the CPUs, same figures)");
