// SPDX-License-Identifier: GPL-2.0
/* Validation options and the prompt set (bundled or --prompts FILE). */
#include <stdlib.h>
#include <string.h>

#include "../pool.h"
#include "validate.h"

/*
 * The bundled prompt set is validate/prompts.txt itself, assembled into the
 * binary, so the file people read is the one that runs.
 */
__asm__(".pushsection .rodata\n"
	".global val_prompts_bundled\n"
	"val_prompts_bundled:\n"
	".incbin \"tools/slmqctl/validate/prompts.txt\"\n"
	".byte 0\n"
	".popsection\n");
extern const char val_prompts_bundled[];

const char val_opts_usage[] =
	"[--eval test.bin] [--bench os_bench.jsonl] [--prompts FILE] [--eval-tokens N] "
	"[--bench-limit N] [--speed-runs N] [--speed-tokens N] [--gen-tokens N] "
	"[--gen-sampled N] [--val-seed S] [--threads N]";

void val_opts_default(struct val_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->speed_runs = 5;
	o->speed_tokens = 64;
	o->gen_max_new = 48;
	o->gen_sampled = 1;
	o->seed = 1234;
	val_thresholds_default(&o->th);
	gf_params_default(&o->gp);
}

void val_opts_warn(const struct val_opts *o)
{
	if (!o->eval_path)
		cli_warn("no --eval data: perplexity is not measured, so quality can only pass through --bench%s",
			 o->bench_path ? "" : " (not given either: every model will be REJECTED)");
}

static int parse_u64(const char *flag, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s)
		return cli_fail("%s needs a value", flag), -1;
	v = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-' || v > max)
		return cli_fail("%s: '%s' is not a number in 0..%llu", flag, s,
				(unsigned long long)max), -1;
	*out = v;
	return 0;
}

int val_opts_parse(struct val_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	uint64_t n;
	int r = val_thresholds_parse(&o->th, argc, argv, i);

	if (r)
		return r;
	if (!strcmp(a, "--eval") || !strcmp(a, "--bench") || !strcmp(a, "--prompts")) {
		if (!v)
			return cli_fail("%s needs a file", a), -1;
		if (!strcmp(a, "--eval"))
			o->eval_path = v;
		else if (!strcmp(a, "--bench"))
			o->bench_path = v;
		else
			o->prompts_path = v;
		++*i;
		return 1;
	}
	/* only the accuracy figures: the speed criterion always runs on one thread */
	if (!strcmp(a, "--threads")) {
		if (!v)
			return cli_fail("%s needs a value", a), -1;
		o->threads = pool_parse_threads(v);
		if (!o->threads)
			return -1;
		++*i;
		return 1;
	}
	if (!strcmp(a, "--eval-tokens") || !strcmp(a, "--bench-limit") ||
	    !strcmp(a, "--speed-runs") || !strcmp(a, "--speed-tokens") ||
	    !strcmp(a, "--gen-tokens") || !strcmp(a, "--gen-sampled") ||
	    !strcmp(a, "--val-seed")) {
		if (parse_u64(a, v, !strcmp(a, "--val-seed") ? UINT64_MAX :
				    !strcmp(a, "--speed-runs") ? 64 : 100000000, &n))
			return -1;
		if (!strcmp(a, "--eval-tokens"))
			o->ppl_max_tokens = n;
		else if (!strcmp(a, "--bench-limit"))
			o->bench_limit = n;
		else if (!strcmp(a, "--speed-runs"))
			o->speed_runs = (int)n;
		else if (!strcmp(a, "--speed-tokens"))
			o->speed_tokens = (uint32_t)n;
		else if (!strcmp(a, "--gen-tokens"))
			o->gen_max_new = (uint32_t)n;
		else if (!strcmp(a, "--gen-sampled"))
			o->gen_sampled = (int)n;
		else
			o->seed = n;
		++*i;
		return 1;
	}
	return 0;
}

/* "\n" in a prompt line stands for a newline; "\\" for a backslash. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *d = out;
	size_t k;

	if (!out)
		return NULL;
	for (k = 0; k < len; k++) {
		if (s[k] == '\\' && k + 1 < len && (s[k + 1] == 'n' || s[k + 1] == '\\')) {
			*d++ = s[k + 1] == 'n' ? '\n' : '\\';
			k++;
		} else {
			*d++ = s[k];
		}
	}
	*d = 0;
	return out;
}

static int prompts_parse(const char *text, struct val_prompts *ps)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char **np;

		if (len && p[0] != '#') {
			np = realloc(ps->p, sizeof(*np) * (size_t)(ps->n + 1));
			if (!np)
				return -ENOMEM;
			ps->p = np;
			ps->p[ps->n] = unescape(p, len);
			if (!ps->p[ps->n])
				return -ENOMEM;
			ps->n++;
		}
		p += len + (nl != NULL);
	}
	return 0;
}

int val_prompts_load(const char *path, struct val_prompts *ps,
		     struct slmq_err *err)
{
	void *buf = NULL;
	size_t len;
	int ret;

	memset(ps, 0, sizeof(*ps));
	if (path) {
		ret = cli_read_file(path, &buf, &len);
		if (ret)
			return slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
		if (memchr(buf, 0, len))
			ret = -EINVAL;
		else
			ret = prompts_parse(buf, ps);
		free(buf);
	} else {
		ret = prompts_parse(val_prompts_bundled, ps);
	}
	if (ret) {
		val_prompts_free(ps);
		return slmq_fail(err, ret, "%s: not a prompt file (text, one prompt a line)",
				 path ? path : "bundled prompts");
	}
	if (!ps->n)
		return slmq_fail(err, -EINVAL, "%s: no prompts", path ? path : "bundled prompts");
	return 0;
}

void val_prompts_free(struct val_prompts *ps)
{
	int k;

	for (k = 0; k < ps->n; k++)
		free(ps->p[k]);
	free(ps->p);
	memset(ps, 0, sizeof(*ps));
}

SLMQCTL_OPTIONS("validate", validate_val_opts, val_opts_usage);
SLMQCTL_OPTIONS("quantize", quantize_val_opts, val_opts_usage);	/* --auto */
