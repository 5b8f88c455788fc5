// SPDX-License-Identifier: GPL-2.0
/* slmqctl synth: write a random-weight Llama checkpoint of a given shape. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "synth.h"

#define USAGE "usage: slmqctl synth -o DIR --hidden N --layers N --heads N [--kv-heads N] --ffn N --vocab N --ctx N [--seed S] [--tied] [--json]"

static int parse_dim(const char *s, const char *what, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || *s == '-' || !v || v > (1ul << 24))
		return cli_fail("%s: '%s' is not a positive size", what, s);
	*out = (uint32_t)v;
	return 0;
}

static int check_shape(const struct synth_shape *s)
{
	if (!s->hidden || !s->layers || !s->heads || !s->ffn || !s->vocab || !s->ctx)
		return cli_fail(USAGE);
	if (s->hidden % s->heads || (s->hidden / s->heads) % 2)
		return cli_fail("--hidden %u must split into --heads %u of even size",
				s->hidden, s->heads);
	if (s->heads % s->kv_heads)
		return cli_fail("--heads %u must be a multiple of --kv-heads %u",
				s->heads, s->kv_heads);
	if (s->hidden % 32 || s->ffn % 32)
		return cli_fail("--hidden and --ffn must be multiples of 32 (block formats)");
	return 0;
}

static int cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hidden", required_argument, NULL, 'H' },
		{ "layers", required_argument, NULL, 'L' },
		{ "heads", required_argument, NULL, 'A' },
		{ "kv-heads", required_argument, NULL, 'K' },
		{ "ffn", required_argument, NULL, 'F' },
		{ "vocab", required_argument, NULL, 'V' },
		{ "ctx", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 'S' },
		{ "tied", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct synth_shape s = { .seed = 1 };
	const char *dir = NULL;
	char msg[4400];
	uint64_t params;
	int c, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'H': bad |= parse_dim(optarg, "--hidden", &s.hidden); break;
		case 'L': bad |= parse_dim(optarg, "--layers", &s.layers); break;
		case 'A': bad |= parse_dim(optarg, "--heads", &s.heads); break;
		case 'K': bad |= parse_dim(optarg, "--kv-heads", &s.kv_heads); break;
		case 'F': bad |= parse_dim(optarg, "--ffn", &s.ffn); break;
		case 'V': bad |= parse_dim(optarg, "--vocab", &s.vocab); break;
		case 'C': bad |= parse_dim(optarg, "--ctx", &s.ctx); break;
		case 'S': s.seed = strtoull(optarg, NULL, 10); break;
		case 'T': s.tied = true; break;
		case 'j': break;
		default: return cli_fail(USAGE);
		}
	}
	if (bad)
		return 1;
	if (!s.kv_heads)
		s.kv_heads = s.heads;
	if (!dir || optind != argc)
		return cli_fail(USAGE);
	if (check_shape(&s))
		return 1;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return cli_fail("%s: %s", dir, strerror(errno));
	if (synth_write_tokenizer(dir, s.vocab, msg, sizeof(msg)) ||
	    synth_write_weights(dir, &s, msg, sizeof(msg)))
		return cli_fail("synth: %s", msg);
	params = (uint64_t)s.vocab * s.hidden * (s.tied ? 1 : 2) + s.hidden +
		 (uint64_t)s.layers * (2 * s.hidden +
		 (uint64_t)s.hidden * (s.hidden / s.heads) * (2 * s.heads + 2 * s.kv_heads) +
		 3ull * s.hidden * s.ffn);
	if (cli_quiet) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "dir", json_object_new_string(dir));
		json_object_object_add(j, "params", json_object_new_int64((int64_t)params));
		cli_print_json(j);
	} else {
		printf("%s: random Llama, %llu params (hidden %u, %u layers, %u/%u heads, ffn %u, vocab %u, ctx %u)\n",
		       dir, (unsigned long long)params, s.hidden, s.layers, s.heads,
		       s.kv_heads, s.ffn, s.vocab, s.ctx);
	}
	return 0;
}

SLMQCTL_COMMAND("synth", cmd_synth,
		"-o DIR --hidden N --layers N --heads N [--kv-heads N] --ffn N --vocab N --ctx N [--seed S] [--tied] [--json]",
		"write a random-weight Llama checkpoint (HF layout) for benchmarks");
