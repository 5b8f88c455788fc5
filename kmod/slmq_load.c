// SPDX-License-Identifier: GPL-2.0
/*
 * Loads over netlink: load-begin reserves memory for a staging copy tied to
 * the sending socket, load-chunk appends strictly in order, load-commit
 * verifies size and SHA-256, validates the GGUF completely and publishes.
 * A failed commit, an abort, or the socket going away (NETLINK_URELEASE)
 * frees the staging copy; the model published under that name, if any,
 * keeps serving throughout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <kunit/visibility.h>

#include "slmq_nl_gen.h"
#include "slmq_priv.h"

struct slmq_staging {
	struct list_head node;
	const struct net *net;		/* only compared, never dereferenced */
	u32 portid;
	char name[SLMQ_NAME_MAX];
	void *buf;
	u64 size;
	u64 received;
	u8 sha256[SLMQ_SHA256_LEN];
};

static LIST_HEAD(slmq_stagings);
static DEFINE_MUTEX(slmq_staging_lock);

static void slmq_staging_free(struct slmq_staging *st)
{
	kvfree(st->buf);
	slmq_mem_unreserve(st->size);
	kfree(st);
}

static struct slmq_staging *slmq_staging_find_locked(const struct genl_info *info,
						     const char *name)
{
	struct slmq_staging *st;

	list_for_each_entry(st, &slmq_stagings, node)
		if (st->net == genl_info_net(info) && st->portid == info->snd_portid &&
		    !strcmp(st->name, name))
			return st;
	return NULL;
}

int slmq_nl_load_begin_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct slmq_staging *st;
	struct slmq_err err = {};
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_SIZE) ||
	    GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_SHA256))
		return -EINVAL;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	nla_strscpy(st->name, tb[SLMQ_A_MODEL_NAME], sizeof(st->name));
	if (!slmq_name_valid(st->name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_NAME],
				    "invalid model name (use A-Z a-z 0-9 . _ -)");
		ret = -EINVAL;
		goto free_st;
	}
	st->size = nla_get_u64(tb[SLMQ_A_MODEL_SIZE]);
	if (!st->size) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_SIZE], "size is 0");
		ret = -EINVAL;
		goto free_st;
	}
	nla_memcpy(st->sha256, tb[SLMQ_A_MODEL_SHA256], SLMQ_SHA256_LEN);
	st->net = genl_info_net(info);
	st->portid = info->snd_portid;
	ret = slmq_mem_reserve(st->size, &err);
	if (ret) {
		SLMQ_EXTACK_MSG(info->extack, tb[SLMQ_A_MODEL_SIZE], err.msg);
		goto free_st;
	}
	st->buf = kvmalloc(st->size, GFP_KERNEL | __GFP_NOWARN);
	if (!st->buf) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_SIZE],
				    "cannot allocate a staging buffer of this size");
		ret = -ENOMEM;
		goto unreserve;
	}
	mutex_lock(&slmq_staging_lock);
	if (slmq_staging_find_locked(info, st->name)) {
		mutex_unlock(&slmq_staging_lock);
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_NAME],
				    "a load of this name is already in progress on this socket");
		ret = -EBUSY;
		goto free_buf;
	}
	list_add(&st->node, &slmq_stagings);
	mutex_unlock(&slmq_staging_lock);
	return 0;

free_buf:
	kvfree(st->buf);
unreserve:
	slmq_mem_unreserve(st->size);
free_st:
	kfree(st);
	return ret;
}

/**
 * slmq_chunk_check() - may a chunk go into a staging copy?
 * @size: the size announced by load-begin
 * @received: bytes received so far
 * @offset: where the chunk says it goes
 * @len: its length
 *
 * Chunks arrive strictly in order, so that a copy is complete exactly when
 * @received reaches @size and no byte is written twice: a resent, skipped or
 * overlapping chunk is refused rather than merged.
 *
 * Return: SLMQ_CHUNK_OK, or which rule the chunk breaks (empty, out of
 * order, or ending past @size).
 */
enum slmq_chunk_verdict slmq_chunk_check(u64 size, u64 received, u64 offset, u32 len)
{
	if (!len)
		return SLMQ_CHUNK_EMPTY;
	if (offset != received)
		return SLMQ_CHUNK_OUT_OF_ORDER;
	if (received > size || len > size - received)
		return SLMQ_CHUNK_PAST_END;
	return SLMQ_CHUNK_OK;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_chunk_check);

int slmq_nl_load_chunk_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	char name[SLMQ_NAME_MAX];
	struct slmq_staging *st;
	u64 offset;
	u32 len;
	int ret;

	ret = slmq_nl_check_len(info, SLMQ_A_MODEL_DATA);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_OFFSET) ||
	    GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_DATA))
		return -EINVAL;
	nla_strscpy(name, tb[SLMQ_A_MODEL_NAME], sizeof(name));
	offset = nla_get_u64(tb[SLMQ_A_MODEL_OFFSET]);
	len = nla_len(tb[SLMQ_A_MODEL_DATA]);
	if (!len) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_DATA], "empty chunk");
		return -EINVAL;
	}
	mutex_lock(&slmq_staging_lock);
	st = slmq_staging_find_locked(info, name);
	if (!st) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_NAME],
				    "no load of this name in progress on this socket");
		ret = -ENOENT;
		goto unlock;
	}
	switch (slmq_chunk_check(st->size, st->received, offset, len)) {
	case SLMQ_CHUNK_OK:
		memcpy((u8 *)st->buf + offset, nla_data(tb[SLMQ_A_MODEL_DATA]), len);
		st->received += len;
		break;
	case SLMQ_CHUNK_PAST_END:
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, tb[SLMQ_A_MODEL_DATA],
					"chunk ends at %llu, past the announced size %llu",
					offset + len, st->size);
		ret = -EFBIG;
		break;
	default:
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, tb[SLMQ_A_MODEL_OFFSET],
					"chunk at offset %llu, expected %llu (out of order or overlapping)",
					offset, st->received);
		ret = -EINVAL;
		break;
	}
unlock:
	mutex_unlock(&slmq_staging_lock);
	return ret;
}

static struct slmq_staging *slmq_staging_take(struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	char name[SLMQ_NAME_MAX];
	struct slmq_staging *st;

	if (GENL_REQ_ATTR_CHECK(info, SLMQ_A_MODEL_NAME))
		return ERR_PTR(-EINVAL);
	nla_strscpy(name, tb[SLMQ_A_MODEL_NAME], sizeof(name));
	mutex_lock(&slmq_staging_lock);
	st = slmq_staging_find_locked(info, name);
	if (st)
		list_del(&st->node);
	mutex_unlock(&slmq_staging_lock);
	if (!st) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SLMQ_A_MODEL_NAME],
				    "no load of this name in progress on this socket");
		return ERR_PTR(-ENOENT);
	}
	return st;
}

/* Whatever goes wrong here, the staging copy is gone afterwards. */
int slmq_nl_load_commit_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_attr = info->attrs[SLMQ_A_MODEL_NAME];
	u8 sha256[SLMQ_SHA256_LEN];
	struct slmq_err err = {};
	struct slmq_staging *st;
	struct slmq_kmodel *m;
	int ret;

	st = slmq_staging_take(info);
	if (IS_ERR(st))
		return PTR_ERR(st);
	if (st->received != st->size) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, name_attr,
					"truncated transfer: %llu of %llu bytes received",
					st->received, st->size);
		ret = -EINVAL;
		goto free_staging;
	}
	ret = slmq_sha256(st->buf, st->size, sha256);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr, "sha256 could not be computed");
		goto free_staging;
	}
	if (memcmp(sha256, st->sha256, SLMQ_SHA256_LEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "sha256 of the received data does not match load-begin");
		ret = -EBADMSG;
		goto free_staging;
	}
	m = slmq_kmodel_create(st->name, st->buf, st->size, sha256, &err);
	if (IS_ERR(m)) {
		pr_info("load of %s rejected: %s\n", st->name, err.msg);
		SLMQ_EXTACK_MSG(info->extack, name_attr, err.msg);
		ret = PTR_ERR(m);
		goto free_staging;
	}
	/* The model owns the buffer and the memory reservation now. */
	kfree(st);
	return slmq_registry_publish(m);

free_staging:
	slmq_staging_free(st);
	return ret;
}

int slmq_nl_load_abort_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct slmq_staging *st = slmq_staging_take(info);

	if (IS_ERR(st))
		return PTR_ERR(st);
	slmq_staging_free(st);
	return 0;
}

/* A socket closed: drop every load it left unfinished. */
static int slmq_load_netlink_event(struct notifier_block *nb, unsigned long event,
				   void *ptr)
{
	struct netlink_notify *n = ptr;
	struct slmq_staging *st, *tmp;
	LIST_HEAD(dead);

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&slmq_staging_lock);
	list_for_each_entry_safe(st, tmp, &slmq_stagings, node)
		if (st->net == n->net && st->portid == n->portid)
			list_move(&st->node, &dead);
	mutex_unlock(&slmq_staging_lock);
	list_for_each_entry_safe(st, tmp, &dead, node) {
		pr_info("load of %s dropped: client went away after %llu of %llu bytes\n",
			st->name, st->received, st->size);
		slmq_staging_free(st);
	}
	return NOTIFY_DONE;
}

static struct notifier_block slmq_load_notifier = {
	.notifier_call = slmq_load_netlink_event,
};

int slmq_load_init(void)
{
	return netlink_register_notifier(&slmq_load_notifier);
}

/*
 * Module exit, after the family is unregistered (no load op runs or can
 * start) and the notifier is gone (unregistering waits for a running
 * NETLINK_URELEASE callback): the list is ours, the lock is taken anyway.
 */
void slmq_load_exit(void)
{
	struct slmq_staging *st, *tmp;
	LIST_HEAD(dead);

	netlink_unregister_notifier(&slmq_load_notifier);
	mutex_lock(&slmq_staging_lock);
	list_splice_init(&slmq_stagings, &dead);
	mutex_unlock(&slmq_staging_lock);
	list_for_each_entry_safe(st, tmp, &dead, node) {
		list_del(&st->node);
		slmq_staging_free(st);
	}
}
