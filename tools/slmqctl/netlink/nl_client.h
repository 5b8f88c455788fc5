/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client side of the slmq generic netlink family (libnl-3/libnl-genl-3),
 * shared by slmqctl, its validator and the selftests: the socket, one
 * request and its replies.  nl_load.h, nl_generate.h, nl_score.h and
 * nl_query.h build the operations on it.
 * Errors from the kernel come back with the extended-ACK message and the
 * name of the attribute it points at, ready to print.
 */
#ifndef SLMQCTL_NL_CLIENT_H
#define SLMQCTL_NL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "../../../uapi/linux/slmq.h"

struct slmq_nl {
	struct nl_sock *sk;
	int family;
	char err[512];		/* "<extack message> (attribute <name>)" after a failure */
};

/* 0, or -errno with nl->err saying why (e.g. slmq.ko not loaded). */
int slmq_nl_open(struct slmq_nl *nl);
void slmq_nl_close(struct slmq_nl *nl);

/* A request for cmd of the slmq family; flags e.g. NLM_F_DUMP. NULL on OOM. */
struct nl_msg *slmq_nl_msg(struct slmq_nl *nl, uint8_t cmd, int flags);

/*
 * Each reply's attributes, parsed into tb[0..SLMQ_A_MODEL_MAX] (the last of
 * a multi-attr), and raw as head/len for walking multi-attrs with
 * nla_for_each_attr(); non-zero return stops the exchange with that error.
 */
typedef int (*slmq_nl_reply_fn)(struct nlattr **tb, struct nlattr *head, int len,
				void *arg);

/*
 * Sends msg (and frees it), feeds every reply message to fn (may be NULL)
 * until the kernel's ACK or the end of a dump (NLMSG_DONE): a dump's reply
 * is many messages, each within the receive buffer.  Returns 0 or -errno; on a kernel error
 * nl->err holds its extack message and the bad attribute's name.
 */
int slmq_nl_call(struct slmq_nl *nl, struct nl_msg *msg, slmq_nl_reply_fn fn,
		 void *arg);

/*
 * The whole exchange of a command that names one model (info, report,
 * unload): takes NAME from argv (the only argument besides --json), sends
 * cmd with SLMQ_A_MODEL_NAME and flags (NLM_F_DUMP: the reply may come in
 * several messages), feeds replies to fn.  Returns 0 with *name
 * set, or prints one error line ("usage: ..." or "VERB NAME: <kernel's
 * reason>") and returns 1, the exit code.
 */
int slmq_nl_named_request(int argc, char **argv, const char *usage,
			  uint8_t cmd, int flags, slmq_nl_reply_fn fn, void *arg,
			  const char **name);

/* Name of an attribute of the model set (e.g. "sha256"), "?" if unknown. */
const char *slmq_nl_attr_name(int type);

#endif /* SLMQCTL_NL_CLIENT_H */
