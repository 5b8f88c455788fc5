// SPDX-License-Identifier: GPL-2.0
/* slmq generic netlink client: family lookup, request/reply, extack decoding. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl_client.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *const attr_names[] = {
	[SLMQ_A_MODEL_NAME] = "name",
	[SLMQ_A_MODEL_SIZE] = "size",
	[SLMQ_A_MODEL_SHA256] = "sha256",
	[SLMQ_A_MODEL_OFFSET] = "offset",
	[SLMQ_A_MODEL_DATA] = "data",
	[SLMQ_A_MODEL_N_PARAMS] = "n-params",
	[SLMQ_A_MODEL_N_TENSORS] = "n-tensors",
	[SLMQ_A_MODEL_N_VOCAB] = "n-vocab",
	[SLMQ_A_MODEL_N_LAYER] = "n-layer",
	[SLMQ_A_MODEL_N_EMBD] = "n-embd",
	[SLMQ_A_MODEL_N_CTX] = "n-ctx",
	[SLMQ_A_MODEL_TENSOR_TYPE] = "tensor-type",
	[SLMQ_A_MODEL_VERDICT] = "verdict",
	[SLMQ_A_MODEL_STATS] = "stats",
	[SLMQ_A_MODEL_REPORT] = "report",
	[SLMQ_A_MODEL_PROMPT] = "prompt",
	[SLMQ_A_MODEL_PROMPT_TOKENS] = "prompt-tokens",
	[SLMQ_A_MODEL_MAX_TOKENS] = "max-tokens",
	[SLMQ_A_MODEL_TEMPERATURE] = "temperature",
	[SLMQ_A_MODEL_TOP_K] = "top-k",
	[SLMQ_A_MODEL_TOP_P] = "top-p",
	[SLMQ_A_MODEL_SEED] = "seed",
	[SLMQ_A_MODEL_WANT_LOGITS] = "want-logits",
	[SLMQ_A_MODEL_TEXT] = "text",
	[SLMQ_A_MODEL_TOKENS] = "tokens",
	[SLMQ_A_MODEL_LOGITS] = "logits",
	[SLMQ_A_MODEL_STOP] = "stop",
	[SLMQ_A_MODEL_N_PROMPT_TOKENS] = "n-prompt-tokens",
	[SLMQ_A_MODEL_LATENCY_NS] = "latency-ns",
	[SLMQ_A_MODEL_NLL] = "nll",
};

const char *slmq_nl_attr_name(int type)
{
	if (type > 0 && type < (int)(sizeof(attr_names) / sizeof(attr_names[0])) &&
	    attr_names[type])
		return attr_names[type];
	return "?";
}

int slmq_nl_open(struct slmq_nl *nl)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		snprintf(nl->err, sizeof(nl->err), "out of memory");
		return -ENOMEM;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		snprintf(nl->err, sizeof(nl->err), "cannot open a netlink socket: %s",
			 nl_geterror(ret));
		goto free_sock;
	}
	/* Generate replies carry logits: let large messages through. */
	nl_socket_set_buffer_size(nl->sk, 4 << 20, 4 << 20);
	nl_socket_set_msg_buf_size(nl->sk, 1 << 20);
	nl_socket_enable_msg_peek(nl->sk);
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, SLMQ_FAMILY_NAME);
	if (nl->family < 0) {
		snprintf(nl->err, sizeof(nl->err),
			 "generic netlink family \"slmq\" not found: is slmq.ko loaded?");
		ret = -ENOENT;
		goto free_sock;
	}
	return 0;

free_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret < 0 && ret > -4096 && ret != -ENOENT ? -EIO : ret;
}

void slmq_nl_close(struct slmq_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *slmq_nl_msg(struct slmq_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(SLMQ_CHUNK_MAX + 4096);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags, cmd,
			 SLMQ_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct call_ctx {
	struct slmq_nl *nl;
	struct nl_msg *req;
	slmq_nl_reply_fn fn;
	void *arg;
	int error;
	bool done;
};

/* The attribute at byte offset offs of our request, as the kernel saw it. */
static int bad_attr_type(struct nl_msg *req, uint32_t offs)
{
	struct nlmsghdr *h = nlmsg_hdr(req);
	struct nlattr *a;

	if (offs < NLMSG_HDRLEN + GENL_HDRLEN || offs + NLA_HDRLEN > h->nlmsg_len)
		return -1;
	a = (struct nlattr *)((char *)h + offs);
	return nla_type(a);
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct call_ctx *c = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };
	const char *msg = NULL;
	int bad = -1, miss = -1;
	size_t off;

	c->error = e->error;
	c->done = true;
	if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = NLMSG_HDRLEN + sizeof(*e);
		if (!(h->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (off < h->nlmsg_len &&
		    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
			       h->nlmsg_len - off, NULL)) {
			if (tb[NLMSGERR_ATTR_MSG])
				msg = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
			if (tb[NLMSGERR_ATTR_OFFS])
				bad = bad_attr_type(c->req, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
			if (tb[NLMSGERR_ATTR_MISS_TYPE])
				miss = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
		}
	}
	snprintf(c->nl->err, sizeof(c->nl->err), "%s%s%s%s%s", msg ? msg : strerror(-e->error),
		 bad >= 0 ? " (attribute " : "", bad >= 0 ? slmq_nl_attr_name(bad) : "",
		 bad >= 0 ? ")" : "", "");
	if (miss >= 0) {
		size_t n = strlen(c->nl->err);

		snprintf(c->nl->err + n, sizeof(c->nl->err) - n, " (missing attribute %s)",
			 slmq_nl_attr_name(miss));
	}
	return NL_STOP;
}

static int on_valid(struct nl_msg *m, void *arg)
{
	struct call_ctx *c = arg;
	struct nlattr *tb[SLMQ_A_MODEL_MAX + 1];
	int ret;

	if (!c->fn)
		return NL_OK;
	ret = genlmsg_parse(nlmsg_hdr(m), 0, tb, SLMQ_A_MODEL_MAX, NULL);
	if (ret < 0) {
		c->error = -EPROTO;
		snprintf(c->nl->err, sizeof(c->nl->err), "malformed reply from slmq.ko");
		return NL_STOP;
	}
	ret = c->fn(tb, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0),
		    genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0), c->arg);
	if (ret) {
		c->error = ret < 0 ? ret : -EPROTO;
		return NL_STOP;
	}
	return NL_OK;
}

static int on_finish(struct nl_msg *m, void *arg)
{
	((struct call_ctx *)arg)->done = true;
	return NL_STOP;
}

int slmq_nl_call(struct slmq_nl *nl, struct nl_msg *msg, slmq_nl_reply_fn fn,
		 void *arg)
{
	struct call_ctx c = { .nl = nl, .req = msg, .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	nl->err[0] = '\0';
	if (!cb) {
		nlmsg_free(msg);
		snprintf(nl->err, sizeof(nl->err), "out of memory");
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &c);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_finish, &c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &c);
	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		snprintf(nl->err, sizeof(nl->err), "send failed: %s", nl_geterror(ret));
		c.error = -EIO;
		goto out;
	}
	while (!c.done && !c.error) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !c.error) {
			snprintf(nl->err, sizeof(nl->err), "receive failed: %s", nl_geterror(ret));
			c.error = -EIO;
		}
	}
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return c.error;
}
