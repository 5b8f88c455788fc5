// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl compare ORIG QUANT -p PROMPT...: both models continue the same
 * prompts with the same sampler; shown side by side token by token, with the
 * first divergence, the free-running agreement and the teacher-forced
 * agreement (the quantized model's argmax along the FP model's own
 * continuation, which measures per-token agreement without one early
 * difference cascading into everything after it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

#define MAX_PROMPTS 32

struct cmp_opts {
	const char *prompt[MAX_PROMPTS];
	int n_prompts;
	struct eval_gen_opts g;
};

struct cmp_one {
	struct eval_gen a, b;
	uint32_t first_div;	/* index of the first differing token; n when none */
	uint32_t free_agree;	/* positions with equal tokens */
	uint32_t tf_agree, tf_n;	/* teacher-forced */
};

/* The quant model along the FP continuation: how often its argmax agrees. */
static int teacher_forced(struct slmq_session *s, const struct slmq_model *m,
			  const uint32_t *prompt, uint32_t np,
			  const struct eval_gen *fp, struct cmp_one *c)
{
	uint32_t i;
	int ret = 0;

	slmq_session_reset(s);
	for (i = 0; i < np && !ret; i++)
		ret = slmq_session_eval(s, prompt[i]);
	for (i = 0; i < fp->n && !ret; i++) {
		c->tf_agree += slmq_argmax(slmq_session_logits(s), m->hp.n_vocab) == fp->ids[i];
		c->tf_n++;
		ret = slmq_session_eval(s, fp->ids[i]);
	}
	return ret == -ENOSPC ? 0 : ret;
}

static int run_one(const struct cli_model *ma, const struct cli_model *mb,
		   struct slmq_session *sa, struct slmq_session *sb,
		   const char *text, const struct cmp_opts *o, struct cmp_one *c,
		   struct slmq_err *err)
{
	uint32_t ids[512], i, n;
	int np, ret;

	memset(c, 0, sizeof(*c));
	np = slmq_tokenize(&ma->model.vocab, text, (u32)strlen(text), true, ids, 512,
			   &cli_allocator);
	if (np < 0 || np >= 512 || (u32)np >= slmq_session_n_ctx(sa))
		return slmq_fail(err, -EINVAL, "prompt does not fit the context");
	ret = eval_generate(sa, &ma->model.vocab, ids, (u32)np, &o->g, &c->a, err);
	if (!ret)
		ret = eval_generate(sb, &mb->model.vocab, ids, (u32)np, &o->g, &c->b, err);
	if (ret)
		return ret;
	n = c->a.n < c->b.n ? c->a.n : c->b.n;
	c->first_div = n;
	for (i = 0; i < n; i++) {
		if (c->a.ids[i] == c->b.ids[i])
			c->free_agree++;
		else if (c->first_div == n)
			c->first_div = i;
	}
	if (c->first_div == n && c->a.n == c->b.n)
		c->first_div = UINT32_MAX;	/* identical */
	return teacher_forced(sb, &mb->model, ids, (u32)np, &c->a, c);
}

static void piece(const struct slmq_vocab *v, const struct eval_gen *g,
		  uint32_t i, char *out, size_t len)
{
	char raw[32];
	size_t k, o = 0;
	int n;

	if (i >= g->n) {
		snprintf(out, len, "-");
		return;
	}
	n = slmq_detokenize(v, i ? g->ids[i - 1] : UINT32_MAX, g->ids[i], raw,
			    sizeof(raw) - 1);
	for (k = 0; k < (size_t)(n > 0 ? n : 0) && o + 4 < len; k++) {
		unsigned char ch = (unsigned char)raw[k];

		if (ch == '\n')
			o += (size_t)snprintf(out + o, len - o, "\\n");
		else if (ch < 0x20)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = 0;
}

static void print_one(const struct cli_model *m, const char *prompt,
		      const struct cmp_one *c)
{
	uint32_t i, n = c->a.n > c->b.n ? c->a.n : c->b.n;
	char pa[64], pb[64];

	printf("prompt: %s\n", prompt);
	printf("  %4s  %-24s %-24s\n", "tok", "original", "quantized");
	for (i = 0; i < n; i++) {
		piece(&m->model.vocab, &c->a, i, pa, sizeof(pa));
		piece(&m->model.vocab, &c->b, i, pb, sizeof(pb));
		printf("  %4u  %-24s %-24s %s\n", i, pa, pb,
		       i < c->a.n && i < c->b.n && c->a.ids[i] == c->b.ids[i] ? "" :
		       i == c->first_div ? "<- first divergence" : "*");
	}
	if (c->first_div == UINT32_MAX)
		printf("  identical: %u tokens", c->a.n);
	else
		printf("  first divergence at token %u; free-running agreement %u/%u",
		       c->first_div, c->free_agree, c->a.n < c->b.n ? c->a.n : c->b.n);
	printf("; teacher-forced agreement %u/%u (%.1f%%)\n\n", c->tf_agree, c->tf_n,
	       c->tf_n ? 100.0 * c->tf_agree / c->tf_n : 0.0);
}

static struct json_object *one_json(const char *prompt, const struct cmp_one *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "prompt", json_object_new_string(prompt));
	json_object_object_add(o, "original", json_object_new_string(c->a.text ? c->a.text : ""));
	json_object_object_add(o, "quantized", json_object_new_string(c->b.text ? c->b.text : ""));
	json_object_object_add(o, "original_tokens", json_object_new_int((int)c->a.n));
	json_object_object_add(o, "quantized_tokens", json_object_new_int((int)c->b.n));
	json_object_object_add(o, "identical", json_object_new_boolean(c->first_div == UINT32_MAX));
	json_object_object_add(o, "first_divergence", c->first_div == UINT32_MAX ? NULL :
			       json_object_new_int((int)c->first_div));
	json_object_object_add(o, "free_agree", json_object_new_int((int)c->free_agree));
	json_object_object_add(o, "teacher_forced_agree", json_object_new_int((int)c->tf_agree));
	json_object_object_add(o, "teacher_forced_tokens", json_object_new_int((int)c->tf_n));
	return o;
}

static int compare(const char *pa, const char *pb, const struct cmp_opts *o)
{
	struct slmq_err err = { 0 };
	struct cli_model a, b;
	struct slmq_session *sa = NULL, *sb = NULL;
	struct json_object *arr = json_object_new_array();
	struct slmq_env env;
	int k, ret = 0;

	if (cli_model_open(pa, &a, &err))
		return json_object_put(arr), cli_fail("%s: %s", pa, err.msg);
	if (cli_model_open(pb, &b, &err)) {
		cli_model_close(&a);
		return json_object_put(arr), cli_fail("%s: %s", pb, err.msg);
	}
	cli_env_init(&env);
	if (a.model.hp.n_vocab != b.model.hp.n_vocab) {
		ret = cli_fail("compare: %s and %s have different vocabularies", pa, pb);
		goto out_close;
	}
	sa = slmq_session_new(&a.model, &env, a.model.hp.n_ctx_train, &err);
	sb = sa ? slmq_session_new(&b.model, &env, b.model.hp.n_ctx_train, &err) : NULL;
	if (!sa || !sb) {
		ret = cli_fail("compare: %s", err.msg);
		goto out_close;
	}
	for (k = 0; k < o->n_prompts && !ret; k++) {
		struct cmp_one c;

		if (run_one(&a, &b, sa, sb, o->prompt[k], o, &c, &err)) {
			ret = cli_fail("compare: prompt %d: %s", k + 1, err.msg);
		} else if (cli_quiet) {
			json_object_array_add(arr, one_json(o->prompt[k], &c));
		} else {
			print_one(&a, o->prompt[k], &c);
		}
		eval_gen_free(&c.a);
		eval_gen_free(&c.b);
	}
	if (!ret && cli_quiet) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "original", json_object_new_string(pa));
		json_object_object_add(r, "quantized", json_object_new_string(pb));
		json_object_object_add(r, "prompts", json_object_get(arr));
		cli_print_json(r);
	}
out_close:
	json_object_put(arr);
	slmq_session_free(sb);
	slmq_session_free(sa);
	cli_model_close(&b);
	cli_model_close(&a);
	return ret;
}

static int num(const char *flag, const char *v, double lo, double hi, double *out)
{
	char *end;

	if (!v)
		return cli_fail("compare: %s needs a value", flag), -1;
	*out = strtod(v, &end);
	if (end == v || *end || *out < lo || *out > hi)
		return cli_fail("compare: %s: '%s' is not a number in [%g, %g]", flag, v, lo, hi), -1;
	return 0;
}

static int cmd_compare(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL };
	struct cmp_opts o = { .g = { .max_new = 32, .top_p = 1.0f, .seed = 1234,
				     .stop_id = UINT32_MAX } };
	double d;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(s, "--json"))
			continue;
		if (!strcmp(s, "-p")) {
			if (!v)
				return cli_fail("compare: -p needs a prompt");
			if (o.n_prompts == MAX_PROMPTS)
				return cli_fail("compare: at most %d prompts", MAX_PROMPTS);
			o.prompt[o.n_prompts++] = argv[++i];
		} else if (!strcmp(s, "-n") || !strcmp(s, "--temp") || !strcmp(s, "--top-k") ||
			   !strcmp(s, "--top-p") || !strcmp(s, "--seed")) {
			if (num(s, v, 0, !strcmp(s, "--top-p") ? 1 : 1e18, &d))
				return 1;
			i++;
			if (!strcmp(s, "-n"))
				o.g.max_new = (uint32_t)d;
			else if (!strcmp(s, "--temp"))
				o.g.temp = (float)d;
			else if (!strcmp(s, "--top-k"))
				o.g.top_k = (uint32_t)d;
			else if (!strcmp(s, "--top-p"))
				o.g.top_p = (float)d;
			else
				o.g.seed = (uint64_t)d;
		} else if (s[0] == '-' || n == 2) {
			return cli_fail("compare: unexpected argument '%s'", s);
		} else {
			pos[n++] = s;
		}
	}
	if (n != 2 || !o.n_prompts)
		return cli_fail("compare: need ORIG QUANT and at least one -p PROMPT");
	return compare(pos[0], pos[1], &o);
}

SLMQCTL_COMMAND("compare", cmd_compare,
		"ORIG QUANT -p PROMPT [-p PROMPT...] [-n N] [--temp T --top-k K --top-p P --seed S] [--json]",
		"continue prompts with both models side by side: per-token agreement, first divergence");
