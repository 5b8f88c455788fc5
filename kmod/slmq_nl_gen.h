/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/slmq.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_SLMQ_GEN_H
#define _LINUX_SLMQ_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/slmq.h>

int slmq_nl_report_get_start(struct netlink_callback *cb);
int slmq_nl_generate_start(struct netlink_callback *cb);
int slmq_nl_report_get_done(struct netlink_callback *cb);
int slmq_nl_generate_done(struct netlink_callback *cb);

int slmq_nl_load_begin_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_load_chunk_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_load_commit_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_load_abort_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_model_get_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_model_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int slmq_nl_model_delete_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_report_get_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_report_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int slmq_nl_generate_doit(struct sk_buff *skb, struct genl_info *info);
int slmq_nl_generate_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int slmq_nl_score_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	SLMQ_NLGRP_MODELS,
};

extern struct genl_family slmq_nl_family;

#endif /* _LINUX_SLMQ_GEN_H */
