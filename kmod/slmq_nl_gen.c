// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/slmq.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "slmq_nl_gen.h"

#include <uapi/linux/slmq.h>

/* SLMQ_CMD_LOAD_BEGIN - do */
static const struct nla_policy slmq_load_begin_nl_policy[SLMQ_A_MODEL_SHA256 + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[SLMQ_A_MODEL_SIZE] = { .type = NLA_U64, },
	[SLMQ_A_MODEL_SHA256] = NLA_POLICY_EXACT_LEN(32),
};

/* SLMQ_CMD_LOAD_CHUNK - do */
static const struct nla_policy slmq_load_chunk_nl_policy[SLMQ_A_MODEL_DATA + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[SLMQ_A_MODEL_OFFSET] = { .type = NLA_U64, },
	[SLMQ_A_MODEL_DATA] = { .type = NLA_BINARY, },
};

/* SLMQ_CMD_LOAD_COMMIT - do */
static const struct nla_policy slmq_load_commit_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_LOAD_ABORT - do */
static const struct nla_policy slmq_load_abort_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_MODEL_GET - do */
static const struct nla_policy slmq_model_get_do_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_MODEL_GET - dump */
static const struct nla_policy slmq_model_get_dump_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_MODEL_DELETE - do */
static const struct nla_policy slmq_model_delete_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_REPORT_GET - do */
static const struct nla_policy slmq_report_get_do_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_REPORT_GET - dump */
static const struct nla_policy slmq_report_get_dump_nl_policy[SLMQ_A_MODEL_NAME + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* SLMQ_CMD_GENERATE - do */
static const struct nla_policy slmq_generate_do_nl_policy[SLMQ_A_MODEL_WANT_LOGITS + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[SLMQ_A_MODEL_PROMPT] = { .type = NLA_NUL_STRING, .len = 16384, },
	[SLMQ_A_MODEL_PROMPT_TOKENS] = { .type = NLA_BINARY, },
	[SLMQ_A_MODEL_MAX_TOKENS] = NLA_POLICY_RANGE(NLA_U32, 1, 4096),
	[SLMQ_A_MODEL_TEMPERATURE] = { .type = NLA_U32, },
	[SLMQ_A_MODEL_TOP_K] = { .type = NLA_U32, },
	[SLMQ_A_MODEL_TOP_P] = { .type = NLA_U32, },
	[SLMQ_A_MODEL_SEED] = { .type = NLA_U64, },
	[SLMQ_A_MODEL_WANT_LOGITS] = { .type = NLA_FLAG, },
};

/* SLMQ_CMD_GENERATE - dump */
static const struct nla_policy slmq_generate_dump_nl_policy[SLMQ_A_MODEL_WANT_LOGITS + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[SLMQ_A_MODEL_PROMPT] = { .type = NLA_NUL_STRING, .len = 16384, },
	[SLMQ_A_MODEL_PROMPT_TOKENS] = { .type = NLA_BINARY, },
	[SLMQ_A_MODEL_MAX_TOKENS] = NLA_POLICY_RANGE(NLA_U32, 1, 4096),
	[SLMQ_A_MODEL_TEMPERATURE] = { .type = NLA_U32, },
	[SLMQ_A_MODEL_TOP_K] = { .type = NLA_U32, },
	[SLMQ_A_MODEL_TOP_P] = { .type = NLA_U32, },
	[SLMQ_A_MODEL_SEED] = { .type = NLA_U64, },
	[SLMQ_A_MODEL_WANT_LOGITS] = { .type = NLA_FLAG, },
};

/* SLMQ_CMD_SCORE - do */
static const struct nla_policy slmq_score_nl_policy[SLMQ_A_MODEL_PROMPT_TOKENS + 1] = {
	[SLMQ_A_MODEL_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[SLMQ_A_MODEL_PROMPT_TOKENS] = { .type = NLA_BINARY, },
};

/* Ops table for slmq */
static const struct genl_split_ops slmq_nl_ops[] = {
	{
		.cmd		= SLMQ_CMD_LOAD_BEGIN,
		.doit		= slmq_nl_load_begin_doit,
		.policy		= slmq_load_begin_nl_policy,
		.maxattr	= SLMQ_A_MODEL_SHA256,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_LOAD_CHUNK,
		.doit		= slmq_nl_load_chunk_doit,
		.policy		= slmq_load_chunk_nl_policy,
		.maxattr	= SLMQ_A_MODEL_DATA,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_LOAD_COMMIT,
		.doit		= slmq_nl_load_commit_doit,
		.policy		= slmq_load_commit_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_LOAD_ABORT,
		.doit		= slmq_nl_load_abort_doit,
		.policy		= slmq_load_abort_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_MODEL_GET,
		.doit		= slmq_nl_model_get_doit,
		.policy		= slmq_model_get_do_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_MODEL_GET,
		.dumpit		= slmq_nl_model_get_dumpit,
		.policy		= slmq_model_get_dump_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= SLMQ_CMD_MODEL_DELETE,
		.doit		= slmq_nl_model_delete_doit,
		.policy		= slmq_model_delete_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_REPORT_GET,
		.doit		= slmq_nl_report_get_doit,
		.policy		= slmq_report_get_do_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_REPORT_GET,
		.start		= slmq_nl_report_get_start,
		.dumpit		= slmq_nl_report_get_dumpit,
		.done		= slmq_nl_report_get_done,
		.policy		= slmq_report_get_dump_nl_policy,
		.maxattr	= SLMQ_A_MODEL_NAME,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= SLMQ_CMD_GENERATE,
		.doit		= slmq_nl_generate_doit,
		.policy		= slmq_generate_do_nl_policy,
		.maxattr	= SLMQ_A_MODEL_WANT_LOGITS,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SLMQ_CMD_GENERATE,
		.start		= slmq_nl_generate_start,
		.dumpit		= slmq_nl_generate_dumpit,
		.done		= slmq_nl_generate_done,
		.policy		= slmq_generate_dump_nl_policy,
		.maxattr	= SLMQ_A_MODEL_WANT_LOGITS,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= SLMQ_CMD_SCORE,
		.doit		= slmq_nl_score_doit,
		.policy		= slmq_score_nl_policy,
		.maxattr	= SLMQ_A_MODEL_PROMPT_TOKENS,
		.flags		= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group slmq_nl_mcgrps[] = {
	[SLMQ_NLGRP_MODELS] = { "models", },
};

struct genl_family slmq_nl_family __ro_after_init = {
	.name		= SLMQ_FAMILY_NAME,
	.version	= SLMQ_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= slmq_nl_ops,
	.n_split_ops	= ARRAY_SIZE(slmq_nl_ops),
	.mcgrps		= slmq_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(slmq_nl_mcgrps),
};
