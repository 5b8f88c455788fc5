// SPDX-License-Identifier: GPL-2.0
/*
 * os_bench: knowledge items ("PCI vendor 8086 is" -> "Intel Corporation."),
 * greedy decoding until <0x0A> or </s> (at most 64 new tokens), decoded,
 * stripped, exact match; plus the finer prefix share and device->vendor
 * figures.  Protocol of fixtures/pcilm-tiny/README.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "eval.h"

static char *dup_field(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	s = json_object_get_string(v);	/* ids are numbers; NULL for null */
	return s ? strdup(s) : NULL;
}

static int parse_item(struct json_object *o, struct osbench_item *it,
		      uint32_t n_vocab_hint, const char *where,
		      struct slmq_err *err)
{
	struct json_object *ids;
	size_t i, n;

	it->id = dup_field(o, "id");
	it->category = dup_field(o, "category");
	it->answer = dup_field(o, "answer");
	it->vendor = dup_field(o, "vendor");
	if (!it->id || !it->category || !it->answer ||
	    !json_object_object_get_ex(o, "prompt_ids", &ids) ||
	    !json_object_is_type(ids, json_type_array))
		return slmq_fail(err, -EINVAL,
				 "%s: needs id, category, answer and prompt_ids", where);
	n = json_object_array_length(ids);
	if (!n || n > 4096)
		return slmq_fail(err, -EINVAL, "%s: prompt_ids has %zu entries", where, n);
	it->prompt_ids = malloc(n * sizeof(uint32_t));
	if (!it->prompt_ids)
		return slmq_fail(err, -ENOMEM, "%s: out of memory", where);
	for (i = 0; i < n; i++) {
		int64_t v = json_object_get_int64(json_object_array_get_idx(ids, i));

		if (v < 0 || v >= (int64_t)n_vocab_hint)
			return slmq_fail(err, -EINVAL, "%s: prompt id %lld out of range",
					 where, (long long)v);
		it->prompt_ids[i] = (uint32_t)v;
	}
	it->n_prompt = (uint32_t)n;
	return 0;
}

/**
 * osbench_load() - read os_bench items from a JSON-lines file.
 * @path: file
 * @limit: at most this many items (0: all)
 * @items: result (free with osbench_free())
 * @err: error line
 */
int osbench_load(const char *path, size_t limit, struct osbench_items *items,
		 struct slmq_err *err)
{
	size_t len;
	char *buf;
	int ret;

	memset(items, 0, sizeof(*items));
	ret = cli_read_file(path, (void **)&buf, &len);
	if (ret)
		return slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
	ret = osbench_parse(path, buf, limit, items, err);
	free(buf);
	return ret;
}

/**
 * osbench_parse() - os_bench items from JSON lines in memory.
 * @path: name for messages
 * @buf: NUL-terminated text; lines are cut in place
 * @limit: at most this many items (0: all)
 * @items: result (free with osbench_free())
 * @err: error line
 */
int osbench_parse(const char *path, char *buf, size_t limit,
		  struct osbench_items *items, struct slmq_err *err)
{
	char *line, *next, where[4200];
	size_t cap = 0, lineno = 0;
	int ret = 0;

	memset(items, 0, sizeof(*items));
	for (line = buf; line && *line && (!limit || items->n < limit); line = next) {
		struct json_object *o;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		if (!*line)
			continue;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			ret = slmq_fail(err, -EINVAL, "%s: not a JSON object", where);
			break;
		}
		if (items->n == cap) {
			struct osbench_item *p;

			cap = cap ? cap * 2 : 256;
			p = realloc(items->v, cap * sizeof(*p));
			if (!p) {
				json_object_put(o);
				ret = slmq_fail(err, -ENOMEM, "%s: out of memory", path);
				break;
			}
			items->v = p;
		}
		memset(&items->v[items->n], 0, sizeof(items->v[0]));
		ret = parse_item(o, &items->v[items->n++], UINT32_MAX, where, err);
		json_object_put(o);
		if (ret)
			break;
	}
	if (!ret && !items->n)
		ret = slmq_fail(err, -EINVAL, "%s: no items", path);
	if (ret)
		osbench_free(items);
	return ret;
}

/**
 * osbench_free() - release loaded items.
 * @items: items
 */
void osbench_free(struct osbench_items *items)
{
	size_t i;

	for (i = 0; i < items->n; i++) {
		free(items->v[i].id);
		free(items->v[i].category);
		free(items->v[i].answer);
		free(items->v[i].vendor);
		free(items->v[i].prompt_ids);
	}
	free(items->v);
	memset(items, 0, sizeof(*items));
}

/* Python's str.isspace() for the ASCII range (includes \x1c..\x1f). */
static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/**
 * osbench_strip() - copy of s without surrounding whitespace, like str.strip().
 * @s: text
 * @len: bytes
 */
char *osbench_strip(const char *s, size_t len)
{
	char *out;

	while (len && py_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && py_space((unsigned char)s[len - 1]))
		len--;
	out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = 0;
	}
	return out;
}

/* Bytes of the UTF-8 sequence starting at s (1 for stray bytes). */
static size_t u8_len(const unsigned char *s)
{
	if (*s >= 0xf0)
		return s[1] && s[2] && s[3] ? 4 : 1;
	if (*s >= 0xe0)
		return s[1] && s[2] ? 3 : 1;
	if (*s >= 0xc0)
		return s[1] ? 2 : 1;
	return 1;
}

/**
 * osbench_prefix_share() - len(common prefix) / len(answer), in code points.
 * @pred: prediction
 * @answer: expected answer (empty: 1 if pred is empty too, else 0)
 */
double osbench_prefix_share(const char *pred, const char *answer)
{
	const unsigned char *p = (const void *)pred, *a = (const void *)answer;
	size_t common = 0, total = 0, k;
	bool same = true;

	while (*a) {
		k = u8_len(a);
		if (same && !strncmp((const char *)p, (const char *)a, k) &&
		    u8_len(p) == k) {
			common++;
			p += k;
		} else {
			same = false;
		}
		a += k;
		total++;
	}
	if (!total)
		return *pred ? 0.0 : 1.0;
	return (double)common / (double)total;
}

static bool is_device(const char *category)
{
	size_t n = strlen(category);

	return n >= 7 && !strcmp(category + n - 7, "_device");
}

static struct osbench_cat *category(struct osbench_result *r, const char *name)
{
	uint32_t i;

	for (i = 0; i < r->n_cats; i++)
		if (!strcmp(r->cats[i].name, name))
			return &r->cats[i];
	if (r->n_cats == OSBENCH_MAX_CATS)
		return NULL;
	snprintf(r->cats[r->n_cats].name, sizeof(r->cats[0].name), "%s", name);
	return &r->cats[r->n_cats++];
}

static void score_item(struct osbench_result *r, const struct osbench_item *it,
		       const char *pred)
{
	struct osbench_cat *c = category(r, it->category);
	bool exact = !strcmp(pred, it->answer);
	double share = osbench_prefix_share(pred, it->answer);

	r->n++;
	r->exact += exact;
	r->prefix += share;
	if (c) {
		c->n++;
		c->exact += exact;
		c->prefix_sum += share;
	}
	if (is_device(it->category) && it->vendor) {
		size_t vl = strlen(it->vendor);

		r->device_n++;
		r->device_vendor_ok += !strncmp(pred, it->vendor, vl) &&
				       pred[vl] == ' ';
	}
}

static const struct eval_gen_opts osbench_gen = {
	.max_new = OSBENCH_MAX_NEW, .top_p = 1.0f, .stop_id = OSBENCH_STOP_ID,
};

struct osb_job {
	struct eval_pool_job base;	/* first: the item gets it back */
	const struct osbench_items *items;
	char **predictions;
};

/* One item's greedy answer, stripped, into its own slot. */
static int osb_item(struct eval_pool_job *base, struct slmq_session *s,
		    size_t i, struct slmq_err *err)
{
	struct osb_job *j = (struct osb_job *)base;
	const struct osbench_item *it = &j->items->v[i];
	struct eval_gen g;
	uint32_t k;
	int ret;

	for (k = 0; k < it->n_prompt; k++)
		if (it->prompt_ids[k] >= base->m->hp.n_vocab)
			return slmq_fail(err, -EINVAL,
					 "os_bench item %s: prompt id %u outside the vocabulary",
					 it->id, it->prompt_ids[k]);
	ret = eval_generate(s, &base->m->vocab, it->prompt_ids, it->n_prompt,
			    &osbench_gen, &g, err);
	if (ret)
		return ret;
	j->predictions[i] = osbench_strip(g.text, g.text_len);
	eval_gen_free(&g);
	if (!j->predictions[i])
		return slmq_fail(err, -ENOMEM, "os_bench: out of memory");
	return 0;
}

/**
 * eval_osbench() - run the benchmark greedily.
 * @m: model
 * @env: engine environment
 * @items: loaded items
 * @threads: workers, each with its own session (0: the machine's CPUs);
 *           the items are scored in order afterwards, so the figures do
 *           not depend on it
 * @session_flags: slmq_session_open()'s (the KV cache's type)
 * @r: result (free with osbench_result_free())
 * @progress: called after each item (may be NULL)
 * @progress_ctx: its argument
 * @err: error line
 */
int eval_osbench(const struct slmq_model *m, const struct slmq_env *env,
		 const struct osbench_items *items, unsigned int threads,
		 u32 session_flags, struct osbench_result *r,
		 eval_progress_fn progress, void *progress_ctx,
		 struct slmq_err *err)
{
	struct osb_job j = {
		.base = { .m = m, .env = env, .progress = progress,
			  .progress_ctx = progress_ctx,
			  .session_flags = session_flags },
		.items = items,
	};
	double t0 = cli_now();
	uint32_t longest = 1;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	r->predictions = calloc(items->n + 1, sizeof(char *));
	if (!r->predictions)
		return slmq_fail(err, -ENOMEM, "os_bench: out of memory");
	for (i = 0; i < items->n; i++)
		longest = max_t(uint32_t, longest, items->v[i].n_prompt);
	j.base.ctx = eval_gen_ctx(m, longest, osbench_gen.max_new);
	j.predictions = r->predictions;
	ret = eval_pool_run(&j.base, items->n, threads, osb_item, err);
	if (ret)
		goto free_predictions;
	for (i = 0; i < items->n; i++)
		score_item(r, &items->v[i], r->predictions[i]);
	r->acc = r->n ? (double)r->exact / r->n : 0;
	r->prefix = r->n ? r->prefix / r->n : 0;
	r->device_vendor_acc = r->device_n ?
		(double)r->device_vendor_ok / r->device_n : 0;
	r->seconds = cli_now() - t0;
	return 0;

free_predictions:
	osbench_result_free(r, items->n);
	return ret;
}

/**
 * osbench_result_free() - release a result.
 * @r: result
 * @n_items: number of items it was computed on
 */
void osbench_result_free(struct osbench_result *r, size_t n_items)
{
	size_t i;

	if (!r->predictions)
		return;
	for (i = 0; i < n_items; i++)
		free(r->predictions[i]);
	free(r->predictions);
	r->predictions = NULL;
}
