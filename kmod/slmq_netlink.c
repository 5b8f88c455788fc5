// SPDX-License-Identifier: GPL-2.0
/*
 * The handlers of the "slmq" generic netlink family.  The family, its
 * policies and its ops table are generated from
 * Documentation/netlink/specs/slmq.yaml into slmq_nl_gen.c/.h
 * (scripts/checks/ynl.sh proves they match the spec).
 *
 * Every operation has its own strict policy: attributes an operation does
 * not take are rejected by the netlink core, which names them.  Loads and
 * deletes need CAP_NET_ADMIN (GENL_ADMIN_PERM); generate and score need it
 * unless the open_generate module parameter is set, and then callers
 * without it are held to user_max_tokens generated tokens per request (a
 * score, like a prompt, is bounded by the model's context).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include <kunit/visibility.h>

#include "slmq_nl_gen.h"
#include "slmq_priv.h"

#define SLMQ_PROMPT_MAX 16384		/* bytes of prompt text or ids */
#define SLMQ_REPORT_PIECE 32000		/* well under the 64 KiB attribute limit */
#define SLMQ_F32_ONE 0x3f800000u

/*
 * The most bytes of the binary attributes that have a limit.  The spec
 * states them, but the 6.12 ynl-gen-c.py cannot put max-len on a binary
 * attribute (later kernels generate NLA_POLICY_MAX_LEN), so the generated
 * policies only type these and slmq_nl_check_len() applies the limits, the
 * way the netlink core does, before anything else looks at the request.
 */
static const struct nla_policy slmq_nl_len_policy[SLMQ_A_MODEL_MAX + 1] = {
	[SLMQ_A_MODEL_DATA] = { .type = NLA_BINARY, .len = SLMQ_CHUNK_MAX },
	[SLMQ_A_MODEL_PROMPT_TOKENS] = { .type = NLA_BINARY, .len = SLMQ_PROMPT_MAX },
};

/**
 * slmq_nl_check_len() - refuse a binary attribute over its limit
 * @info: the request
 * @type: SLMQ_A_MODEL_DATA or SLMQ_A_MODEL_PROMPT_TOKENS
 *
 * Return: 0, or -ERANGE with the netlink core's own extack (message,
 * attribute and policy) for an attribute longer than its policy allows.
 */
int slmq_nl_check_len(struct genl_info *info, int type)
{
	const struct nla_policy *pt = &slmq_nl_len_policy[type];
	const struct nlattr *attr = info->attrs[type];

	if (!attr || nla_len(attr) <= pt->len)
		return 0;
	NL_SET_ERR_MSG_ATTR_POL(info->extack, attr, pt,
				"Attribute failed policy validation");
	return -ERANGE;
}

/**
 * slmq_shorten() - fit a message into len bytes, keeping head and tail
 * @dst: receives the NUL-terminated result
 * @len: size of @dst (at least 16)
 * @msg: the message; a leading "gguf: " is dropped (every parse error has
 *	it), then a trailing parenthesis if that is enough
 */
void slmq_shorten(char *dst, size_t len, const char *msg)
{
	size_t n, head, tail;

	if (!strncmp(msg, "gguf: ", 6))
		msg += 6;
	n = strlen(msg);
	/* A trailing "(explanation)" goes first: the fact before it matters more. */
	if (n >= len && msg[n - 1] == ')') {
		const char *paren = strrchr(msg, '(');

		if (paren && paren > msg + 1 && paren[-1] == ' ' &&
		    paren - 1 - msg < len)
			n = paren - 1 - msg;
	}
	if (n < len) {
		memcpy(dst, msg, n);
		dst[n] = '\0';
		return;
	}
	head = (len - 4) / 2;
	tail = len - 4 - head;
	memcpy(dst, msg, head);
	memcpy(dst + head, "...", 3);
	memcpy(dst + head + 3, msg + n - tail, tail);
	dst[len - 1] = '\0';
}
EXPORT_SYMBOL_IF_KUNIT(slmq_shorten);

/* nla_get_*_default() arrived after 6.12. */
static u32 slmq_nla_u32(const struct nlattr *a, u32 def)
{
	return a ? nla_get_u32(a) : def;
}

static u64 slmq_nla_u64(const struct nlattr *a, u64 def)
{
	return a ? nla_get_u64(a) : def;
}
static bool slmq_nl_registered;

static int slmq_nl_put_stats(struct sk_buff *skb, const struct slmq_kmodel *m)
{
	struct nlattr *nest = nla_nest_start(skb, SLMQ_A_MODEL_STATS);

	if (!nest ||
	    nla_put_u64_64bit(skb, SLMQ_A_STATS_REQUESTS,
			      atomic64_read(&m->stats.requests), 0) ||
	    nla_put_u64_64bit(skb, SLMQ_A_STATS_TOKENS,
			      atomic64_read(&m->stats.tokens), 0) ||
	    nla_put_u64_64bit(skb, SLMQ_A_STATS_ERRORS,
			      atomic64_read(&m->stats.errors), 0) ||
	    nla_put_u64_64bit(skb, SLMQ_A_STATS_LAST_LATENCY_NS,
			      atomic64_read(&m->stats.last_latency_ns), 0))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int slmq_nl_put_types(struct sk_buff *skb, const struct slmq_kmodel *m)
{
	struct nlattr *nest;
	u32 t;

	for (t = 0; t < ARRAY_SIZE(m->type_count); t++) {
		if (!m->type_count[t])
			continue;
		nest = nla_nest_start(skb, SLMQ_A_MODEL_TENSOR_TYPE);
		if (!nest ||
		    nla_put_string(skb, SLMQ_A_TENSOR_TYPE_TYPE, slmq_type_name(t)) ||
		    nla_put_u32(skb, SLMQ_A_TENSOR_TYPE_COUNT, m->type_count[t]))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int slmq_nl_put_verdict(struct sk_buff *skb, const struct slmq_kmodel *m)
{
	char v[32] = "";

	if (m->verdict.ptr)
		snprintf(v, sizeof(v), "%.*s", (int)min_t(u64, m->verdict.len, 31),
			 m->verdict.ptr);
	return nla_put_string(skb, SLMQ_A_MODEL_VERDICT, v);
}

static int slmq_nl_fill_model(struct sk_buff *skb, const struct slmq_kmodel *m,
			      u32 portid, u32 seq, int flags, u8 cmd)
{
	const struct slmq_hparams *hp = &m->model.hp;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &slmq_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, SLMQ_A_MODEL_NAME, m->name) ||
	    nla_put_u64_64bit(skb, SLMQ_A_MODEL_SIZE, m->size, 0) ||
	    nla_put(skb, SLMQ_A_MODEL_SHA256, SLMQ_SHA256_LEN, m->sha256))
		goto cancel;
	if (cmd == SLMQ_CMD_MODEL_GET &&
	    (nla_put_u64_64bit(skb, SLMQ_A_MODEL_N_PARAMS, m->model.n_params, 0) ||
	     nla_put_u32(skb, SLMQ_A_MODEL_N_TENSORS, m->model.gguf.n_tensors) ||
	     nla_put_u32(skb, SLMQ_A_MODEL_N_VOCAB, hp->n_vocab) ||
	     nla_put_u32(skb, SLMQ_A_MODEL_N_LAYER, hp->n_layer) ||
	     nla_put_u32(skb, SLMQ_A_MODEL_N_EMBD, hp->n_embd) ||
	     nla_put_u32(skb, SLMQ_A_MODEL_N_CTX, hp->n_ctx_train) ||
	     slmq_nl_put_types(skb, m) || slmq_nl_put_verdict(skb, m) ||
	     slmq_nl_put_stats(skb, m)))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Looks the NAME attribute up; on failure the extack says what is wrong. */
static struct slmq_kmodel *slmq_nl_lookup(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[SLMQ_A_MODEL_NAME];
	char name[SLMQ_NAME_MAX];
	struct slmq_kmodel *m;

	if (GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_NAME))
		return ERR_PTR(-EINVAL);
	nla_strscpy(name, attr, sizeof(name));
	m = slmq_registry_lookup(name);
	if (!m) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no model of this name");
		return ERR_PTR(-ENOENT);
	}
	return m;
}

int slmq_nl_model_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct slmq_kmodel *m = slmq_nl_lookup(info);
	struct sk_buff *msg;
	int ret;

	if (IS_ERR(m))
		return PTR_ERR(m);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto put_model;
	}
	ret = slmq_nl_fill_model(msg, m, info->snd_portid, info->snd_seq, 0,
				 SLMQ_CMD_MODEL_GET);
	if (ret) {
		nlmsg_free(msg);
		goto put_model;
	}
	ret = genlmsg_reply(msg, info);
put_model:
	slmq_kmodel_put(m);
	return ret;
}

int slmq_nl_model_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long idx = cb->args[0];
	struct slmq_kmodel *m;
	int ret = 0;

	while ((m = slmq_registry_nth(idx))) {
		ret = slmq_nl_fill_model(skb, m, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI, SLMQ_CMD_MODEL_GET);
		slmq_kmodel_put(m);
		if (ret)
			break;
		idx++;
	}
	cb->args[0] = idx;
	/* A model too big for an empty skb would loop forever: report it. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

int slmq_nl_model_delete_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[SLMQ_A_MODEL_NAME];
	char name[SLMQ_NAME_MAX];

	if (GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_NAME))
		return -EINVAL;
	nla_strscpy(name, attr, sizeof(name));
	if (slmq_registry_delete(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no model of this name");
		return -ENOENT;
	}
	return 0;
}

/* A report doit reply in one message stays within this; larger ones are dumped. */
#define SLMQ_REPLY_MAX SZ_1M

static int slmq_nl_report_check(struct genl_info *info, const struct slmq_kmodel *m)
{
	if (m->report.len)
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SLMQ_A_MODEL_NAME],
			    "model carries no slmq.report");
	return -ENODATA;
}

static size_t slmq_nl_report_size(const struct slmq_kmodel *m)
{
	return NLMSG_DEFAULT_SIZE + m->report.len +
	       (m->report.len / SLMQ_REPORT_PIECE + 1) * NLA_HDRLEN * 2;
}

/* The piece of the report at off (a multiple of SLMQ_REPORT_PIECE), NUL-terminated. */
static int slmq_nl_put_report_piece(struct sk_buff *msg, const struct slmq_kmodel *m,
				    u64 off)
{
	u64 n = min_t(u64, m->report.len - off, SLMQ_REPORT_PIECE);
	struct nlattr *a = nla_reserve(msg, SLMQ_A_MODEL_REPORT, n + 1);

	if (!a)
		return -EMSGSIZE;
	memcpy(nla_data(a), m->report.ptr + off, n);
	((char *)nla_data(a))[n] = '\0';
	return 0;
}

/* report-get as a dump: the name, then the pieces, in as many messages as it takes. */
struct slmq_report_dump_ctx {
	struct slmq_kmodel *m;
	u64 off;
};

static struct slmq_report_dump_ctx *slmq_report_dump_of(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct slmq_report_dump_ctx);
	return (struct slmq_report_dump_ctx *)cb->ctx;
}

int slmq_nl_report_get_start(struct netlink_callback *cb)
{
	struct genl_info *info = (struct genl_info *)genl_info_dump(cb);
	struct slmq_kmodel *m = slmq_nl_lookup(info);
	int ret;

	if (IS_ERR(m))
		return PTR_ERR(m);
	ret = slmq_nl_report_check(info, m);
	if (ret) {
		slmq_kmodel_put(m);
		return ret;
	}
	cb->min_dump_alloc = NLMSG_HDRLEN + GENL_HDRLEN + nla_total_size(SLMQ_NAME_MAX) +
			     nla_total_size(SLMQ_REPORT_PIECE + 1);
	slmq_report_dump_of(cb)->m = m;
	return 0;
}

int slmq_nl_report_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct slmq_report_dump_ctx *c = slmq_report_dump_of(cb);
	const struct slmq_kmodel *m = c->m;
	u64 first = c->off;
	void *hdr;

	if (c->off >= m->report.len)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &slmq_nl_family, NLM_F_MULTI, SLMQ_CMD_REPORT_GET);
	if (!hdr || nla_put_string(skb, SLMQ_A_MODEL_NAME, m->name))
		goto cancel;
	while (c->off < m->report.len && !slmq_nl_put_report_piece(skb, m, c->off))
		c->off += SLMQ_REPORT_PIECE;
	if (c->off == first)
		goto cancel;
	genlmsg_end(skb, hdr);
	return skb->len;

cancel:
	if (hdr)
		genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;	/* min_dump_alloc holds one piece: never here */
}

int slmq_nl_report_get_done(struct netlink_callback *cb)
{
	slmq_kmodel_put(slmq_report_dump_of(cb)->m);
	return 0;
}

int slmq_nl_report_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct slmq_kmodel *m = slmq_nl_lookup(info);
	struct sk_buff *msg;
	void *hdr;
	u64 off;
	int ret;

	if (IS_ERR(m))
		return PTR_ERR(m);
	ret = slmq_nl_report_check(info, m);
	if (ret)
		goto put_model;
	if (slmq_nl_report_size(m) > SLMQ_REPLY_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SLMQ_A_MODEL_NAME],
				    "the report exceeds one reply: request a dump");
		ret = -EMSGSIZE;
		goto put_model;
	}
	msg = genlmsg_new(slmq_nl_report_size(m), GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto put_model;
	}
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &slmq_nl_family, 0, SLMQ_CMD_REPORT_GET);
	if (!hdr || nla_put_string(msg, SLMQ_A_MODEL_NAME, m->name))
		goto free_msg;
	for (off = 0; off < m->report.len; off += SLMQ_REPORT_PIECE)
		if (slmq_nl_put_report_piece(msg, m, off))
			goto free_msg;
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
	goto put_model;

free_msg:
	nlmsg_free(msg);
put_model:
	slmq_kmodel_put(m);
	return ret;
}

/* Generate and score: CAP_NET_ADMIN, unless open_generate is set. */
static int slmq_nl_may_run(struct sk_buff *skb, struct genl_info *info, const char *op)
{
	if (slmq_open_generate || netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG_FMT(info->extack,
			   "%s needs CAP_NET_ADMIN (module parameter open_generate is off)", op);
	return -EPERM;
}

/* Permission and limits on a generate request; fills req from the attributes. */
static int slmq_nl_gen_parse(struct sk_buff *skb, struct genl_info *info,
			     struct slmq_gen_req *req)
{
	struct nlattr **tb = info->attrs;
	bool admin = netlink_capable(skb, CAP_NET_ADMIN);
	int ret;

	ret = slmq_nl_check_len(info, SLMQ_A_MODEL_PROMPT_TOKENS);
	if (ret)
		return ret;
	if (slmq_nl_may_run(skb, info, "generate"))
		return -EPERM;
	if (!!tb[SLMQ_A_MODEL_PROMPT] == !!tb[SLMQ_A_MODEL_PROMPT_TOKENS]) {
		if (tb[SLMQ_A_MODEL_PROMPT])
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_PROMPT_TOKENS],
					    "give prompt or prompt-tokens, not both");
		else
			NL_SET_ERR_MSG_ATTR_FMT(info->extack, NULL,
						"missing attribute: prompt or prompt-tokens");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, SLMQ_A_MODEL_PROMPT);
		return -EINVAL;
	}
	memset(req, 0, sizeof(*req));
	if (tb[SLMQ_A_MODEL_PROMPT]) {
		req->prompt = nla_data(tb[SLMQ_A_MODEL_PROMPT]);
		req->prompt_len = strnlen(req->prompt, nla_len(tb[SLMQ_A_MODEL_PROMPT]));
	} else {
		if (nla_len(tb[SLMQ_A_MODEL_PROMPT_TOKENS]) % sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_PROMPT_TOKENS],
					    "prompt-tokens length is not a multiple of 4");
			return -EINVAL;
		}
		req->prompt_tokens = nla_data(tb[SLMQ_A_MODEL_PROMPT_TOKENS]);
		req->n_prompt_tokens = nla_len(tb[SLMQ_A_MODEL_PROMPT_TOKENS]) / sizeof(u32);
	}
	req->max_tokens = slmq_nla_u32(tb[SLMQ_A_MODEL_MAX_TOKENS], 16);
	if (!admin && req->max_tokens > slmq_user_max_tokens) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, tb[SLMQ_A_MODEL_MAX_TOKENS],
					"callers without CAP_NET_ADMIN get at most %u tokens",
					slmq_user_max_tokens);
		return -EPERM;
	}
	req->temp_bits = slmq_nla_u32(tb[SLMQ_A_MODEL_TEMPERATURE], 0);
	req->top_k = slmq_nla_u32(tb[SLMQ_A_MODEL_TOP_K], 0);
	req->top_p_bits = slmq_nla_u32(tb[SLMQ_A_MODEL_TOP_P], SLMQ_F32_ONE);
	req->seed = slmq_nla_u64(tb[SLMQ_A_MODEL_SEED], 0);
	req->want_logits = nla_get_flag(tb[SLMQ_A_MODEL_WANT_LOGITS]);
	return 0;
}

/*
 * A generate reply in one message (doit) stays within SLMQ_REPLY_MAX, what
 * slmqctl receives in one piece; larger ones (logits) are asked for as a
 * dump, which sends them in as many messages as it takes, each as the
 * caller reads.
 */

/* Most bytes of the first reply message: everything but the logits. */
static size_t slmq_nl_gen_head_size(u32 text_len, u32 n_tokens)
{
	return NLMSG_DEFAULT_SIZE + text_len + (size_t)n_tokens * sizeof(u32);
}

static size_t slmq_nl_logits_attr_size(const struct slmq_kmodel *m)
{
	return nla_total_size((size_t)m->model.hp.n_vocab * sizeof(float));
}

static int slmq_nl_put_gen_head(struct sk_buff *msg, const struct slmq_kmodel *m,
				const struct slmq_gen_out *out)
{
	if (nla_put_string(msg, SLMQ_A_MODEL_NAME, m->name) ||
	    nla_put_string(msg, SLMQ_A_MODEL_TEXT, out->text) ||
	    nla_put(msg, SLMQ_A_MODEL_TOKENS, out->n_tokens * sizeof(u32), out->tokens) ||
	    nla_put_u32(msg, SLMQ_A_MODEL_STOP, out->stop) ||
	    nla_put_u32(msg, SLMQ_A_MODEL_N_PROMPT_TOKENS, out->n_prompt_tokens) ||
	    nla_put_u64_64bit(msg, SLMQ_A_MODEL_LATENCY_NS, out->latency_ns, 0))
		return -EMSGSIZE;
	return 0;
}

static int slmq_nl_put_logits(struct sk_buff *msg, const struct slmq_kmodel *m,
			      const struct slmq_gen_out *out, u32 i)
{
	u32 n_vocab = m->model.hp.n_vocab;

	return nla_put(msg, SLMQ_A_MODEL_LOGITS, n_vocab * sizeof(float),
		       out->logits + (size_t)i * n_vocab);
}

static int slmq_nl_gen_reply(struct genl_info *info, const struct slmq_kmodel *m,
			     const struct slmq_gen_out *out)
{
	size_t size = slmq_nl_gen_head_size(out->text_len, out->n_tokens);
	struct sk_buff *msg;
	void *hdr;
	u32 i;

	if (out->logits)
		size += out->n_tokens * slmq_nl_logits_attr_size(m);
	msg = genlmsg_new(size, GFP_KERNEL | __GFP_NOWARN);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &slmq_nl_family, 0, SLMQ_CMD_GENERATE);
	if (!hdr || slmq_nl_put_gen_head(msg, m, out))
		goto free_msg;
	for (i = 0; out->logits && i < out->n_tokens; i++)
		if (slmq_nl_put_logits(msg, m, out, i))
			goto free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Refuses, before anything runs, logits that cannot be sent as asked. */
static int slmq_nl_gen_fits(struct genl_info *info, const struct slmq_kmodel *m,
			    const struct slmq_gen_req *req, bool dump)
{
	struct nlattr *attr = info->attrs[SLMQ_A_MODEL_WANT_LOGITS];

	if (!req->want_logits)
		return 0;
	if (slmq_nl_logits_attr_size(m) > U16_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "this model's logits do not fit one attribute");
		return -EMSGSIZE;
	}
	if (!dump && slmq_nl_gen_head_size(req->max_tokens * 16, req->max_tokens) +
		     (size_t)req->max_tokens * slmq_nl_logits_attr_size(m) > SLMQ_REPLY_MAX) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
					"logits of %u tokens exceed one reply: request a dump",
					req->max_tokens);
		return -EMSGSIZE;
	}
	return 0;
}

/*
 * Everything a generate request does before its reply, for the doit and
 * the dump: permission, limits, the model, the run.  On success *mp holds
 * a reference and out the results; on failure the extack says why.
 */
static int slmq_nl_gen_run(struct sk_buff *skb, struct genl_info *info, bool dump,
			   struct slmq_kmodel **mp, struct slmq_gen_out *out)
{
	struct nlattr **tb = info->attrs;
	struct slmq_err err = {};
	struct slmq_gen_req req;
	struct slmq_kmodel *m;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = slmq_nl_gen_parse(skb, info, &req);
	if (ret)
		return ret;
	m = slmq_nl_lookup(info);
	if (IS_ERR(m))
		return PTR_ERR(m);
	ret = slmq_nl_gen_fits(info, m, &req, dump);
	if (ret) {
		slmq_stats_refused(m);
		goto put_model;
	}
	ret = slmq_gen_run(m, &req, out, &err);
	if (ret) {
		/*
		 * Prompt problems name the prompt, a session over max_total_mb
		 * what sized it (max-tokens, else the prompt); the rest
		 * (signals, memory) the model.
		 */
		struct nlattr *bad = tb[SLMQ_A_MODEL_PROMPT] ?: tb[SLMQ_A_MODEL_PROMPT_TOKENS];

		if (ret == -EFBIG)
			bad = tb[SLMQ_A_MODEL_MAX_TOKENS] ?: bad;
		else if (ret != -EINVAL && ret != -E2BIG && ret != -EOVERFLOW)
			bad = tb[SLMQ_A_MODEL_NAME];
		SLMQ_EXTACK_MSG(info->extack, bad, err.msg);
		slmq_gen_out_free(out);
		/*
		 * netlink_rcv_skb() sends no ACK at all for -EINTR (it means
		 * "replay" there), which would leave the caller waiting.
		 */
		if (ret == -EINTR)
			ret = -ECANCELED;
		goto put_model;
	}
	*mp = m;
	return 0;

put_model:
	slmq_kmodel_put(m);
	return ret;
}

int slmq_nl_generate_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct slmq_gen_out out;
	struct slmq_kmodel *m;
	int ret;

	ret = slmq_nl_gen_run(skb, info, false, &m, &out);
	if (ret)
		return ret;
	ret = slmq_nl_gen_reply(info, m, &out);
	if (ret) {
		/* The caller got nothing: the request failed, whatever ran. */
		slmq_stats_reply_failed(m);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SLMQ_A_MODEL_NAME],
				    "the reply could not be sent");
	}
	slmq_gen_out_free(&out);
	slmq_kmodel_put(m);
	return ret;
}

/* A generate request as a dump: the results wait here until all are sent. */
struct slmq_gen_dump {
	struct slmq_kmodel *m;
	struct slmq_gen_out out;
	u32 next;			/* next token whose logits go out */
	bool head_sent;
	bool complete;
};

struct slmq_gen_dump_ctx {
	struct slmq_gen_dump *d;
};

static struct slmq_gen_dump *slmq_gen_dump_of(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct slmq_gen_dump_ctx);
	return ((struct slmq_gen_dump_ctx *)cb->ctx)->d;
}

/* Runs the generation; the dump callbacks only send what it made. */
int slmq_nl_generate_start(struct netlink_callback *cb)
{
	struct genl_info *info = (struct genl_info *)genl_info_dump(cb);
	struct slmq_gen_dump *d;
	size_t head, one;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	ret = slmq_nl_gen_run(cb->skb, info, true, &d->m, &d->out);
	if (ret) {
		kfree(d);
		return ret;
	}
	/* Each message must fit one dump skb: the head, or one token's logits. */
	head = slmq_nl_gen_head_size(d->out.text_len, d->out.n_tokens);
	one = NLMSG_HDRLEN + GENL_HDRLEN + slmq_nl_logits_attr_size(d->m);
	cb->min_dump_alloc = max(head, d->out.logits ? one : 0);
	((struct slmq_gen_dump_ctx *)cb->ctx)->d = d;
	return 0;
}

/* One message with as many tokens' logits as fit; 0 when not even one did. */
static u32 slmq_nl_gen_dump_logits(struct sk_buff *skb, struct netlink_callback *cb,
				   struct slmq_gen_dump *d)
{
	u32 sent = 0;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &slmq_nl_family, NLM_F_MULTI, SLMQ_CMD_GENERATE);
	if (!hdr)
		return 0;
	while (d->next < d->out.n_tokens && !slmq_nl_put_logits(skb, d->m, &d->out, d->next)) {
		d->next++;
		sent++;
	}
	if (!sent) {
		genlmsg_cancel(skb, hdr);
		return 0;
	}
	genlmsg_end(skb, hdr);
	return sent;
}

int slmq_nl_generate_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct slmq_gen_dump *d = slmq_gen_dump_of(cb);
	void *hdr;

	if (!d->head_sent) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &slmq_nl_family, NLM_F_MULTI, SLMQ_CMD_GENERATE);
		if (!hdr || slmq_nl_put_gen_head(skb, d->m, &d->out)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;	/* min_dump_alloc was set for it */
		}
		genlmsg_end(skb, hdr);
		d->head_sent = true;
	}
	while (d->out.logits && d->next < d->out.n_tokens)
		if (!slmq_nl_gen_dump_logits(skb, cb, d))
			break;
	if (d->out.logits && d->next < d->out.n_tokens)
		return skb->len ?: -EMSGSIZE;
	d->complete = true;
	return skb->len;
}

/* The dump ended, or the caller went away before it did: then it failed. */
int slmq_nl_generate_done(struct netlink_callback *cb)
{
	struct slmq_gen_dump *d = slmq_gen_dump_of(cb);

	if (!d)
		return 0;
	if (!d->complete)
		slmq_stats_reply_failed(d->m);
	slmq_gen_out_free(&d->out);
	slmq_kmodel_put(d->m);
	kfree(d);
	return 0;
}

static int slmq_nl_score_reply(struct genl_info *info, const struct slmq_kmodel *m,
			       const u32 *nll_bits, u32 n, u64 latency_ns)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE + nla_total_size((n - 1) * sizeof(u32)),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &slmq_nl_family, 0, SLMQ_CMD_SCORE);
	if (!hdr || nla_put_string(msg, SLMQ_A_MODEL_NAME, m->name) ||
	    nla_put(msg, SLMQ_A_MODEL_NLL, (n - 1) * sizeof(u32), nll_bits) ||
	    nla_put_u32(msg, SLMQ_A_MODEL_N_PROMPT_TOKENS, n) ||
	    nla_put_u64_64bit(msg, SLMQ_A_MODEL_LATENCY_NS, latency_ns, 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int slmq_nl_score_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ids = info->attrs[SLMQ_A_MODEL_PROMPT_TOKENS];
	struct slmq_err err = {};
	struct slmq_kmodel *m;
	u32 n, *nll_bits;
	u64 latency_ns;
	int ret;

	ret = slmq_nl_check_len(info, SLMQ_A_MODEL_PROMPT_TOKENS);
	if (ret)
		return ret;
	ret = slmq_nl_may_run(skb, info, "score");
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_PROMPT_TOKENS))
		return -EINVAL;
	if (nla_len(ids) % sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(info->extack, ids,
				    "prompt-tokens length is not a multiple of 4");
		return -EINVAL;
	}
	n = nla_len(ids) / sizeof(u32);
	m = slmq_nl_lookup(info);
	if (IS_ERR(m))
		return PTR_ERR(m);
	/* At least one slot even for n < 2, which slmq_score_run() refuses. */
	nll_bits = kvmalloc_array(max(n, 2U) - 1, sizeof(u32), GFP_KERNEL);
	if (!nll_bits) {
		ret = -ENOMEM;
		goto put_model;
	}
	ret = slmq_score_run(m, nla_data(ids), n, nll_bits, &latency_ns, &err);
	if (ret) {
		/* Bad ids or too many for max_total_mb name prompt-tokens; the rest the model. */
		SLMQ_EXTACK_MSG(info->extack, ret == -EINVAL || ret == -EFBIG ? ids :
				info->attrs[SLMQ_A_MODEL_NAME], err.msg);
		/* As for generate: -EINTR would make netlink_rcv_skb() drop the ACK. */
		if (ret == -EINTR)
			ret = -ECANCELED;
		goto free_nll;
	}
	ret = slmq_nl_score_reply(info, m, nll_bits, n, latency_ns);
	if (ret)
		slmq_stats_reply_failed(m);	/* the caller got nothing */
free_nll:
	kvfree(nll_bits);
put_model:
	slmq_kmodel_put(m);
	return ret;
}

/**
 * slmq_nl_notify() - announce a publication or withdrawal to the models group
 * @m: the model
 * @added: published (or replaced) rather than withdrawn
 */
void slmq_nl_notify(const struct slmq_kmodel *m, bool added)
{
	struct sk_buff *msg;

	if (!slmq_nl_registered)
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (slmq_nl_fill_model(msg, m, 0, 0, 0, added ? SLMQ_CMD_MODEL_NEW_NTF :
			       SLMQ_CMD_MODEL_DEL_NTF)) {
		nlmsg_free(msg);
		return;
	}
	/* The registry is one for all namespaces, as the family is (netnsok). */
	genlmsg_multicast_allns(&slmq_nl_family, msg, 0, SLMQ_NLGRP_MODELS);
}

int slmq_nl_init(void)
{
	int ret = genl_register_family(&slmq_nl_family);

	slmq_nl_registered = !ret;
	return ret;
}

void slmq_nl_exit(void)
{
	slmq_nl_registered = false;
	genl_unregister_family(&slmq_nl_family);
}
