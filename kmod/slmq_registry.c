// SPDX-License-Identifier: GPL-2.0
/*
 * The model registry: named, immutable, reference-counted models.
 *
 * Writers (publish, replace, delete) serialize on slmq_reg_lock; readers find
 * models under RCU and take a reference with kref_get_unless_zero().  A
 * replaced or deleted model leaves the list at once and is freed after the
 * last holder drops it, so a caller in the middle of a generation finishes
 * with the model it started with.  The last holder frees the weights at
 * once (a lookup racing with it only reads the name and the refcount, and
 * kref_get_unless_zero() turns it away); only that small struct waits for
 * an RCU grace period (kfree_rcu()).  So memory_used is exact whenever it
 * is read, without waiting for anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/ctype.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <kunit/visibility.h>

#include "slmq_priv.h"

static LIST_HEAD(slmq_models);
static DEFINE_MUTEX(slmq_reg_lock);	/* serializes changes to slmq_models */
static DEFINE_SPINLOCK(slmq_mem_lock);
static u64 slmq_mem_used;		/* published + staging bytes */
static u64 slmq_sess_used;		/* sessions: KV caches and scratch */
static struct crypto_shash *slmq_sha_tfm;

/**
 * slmq_name_valid() - is this an acceptable model name?
 * @name: NUL-terminated
 *
 * Names become sysfs directories and firmware file stems.
 *
 * Return: true for 1 to SLMQ_NAME_MAX - 1 characters from [A-Za-z0-9._-]
 * not starting with '.'.
 */
bool slmq_name_valid(const char *name)
{
	size_t i, n = strnlen(name, SLMQ_NAME_MAX);

	if (n == 0 || n >= SLMQ_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isascii(name[i]) || (!isalnum(name[i]) && !strchr("._-", name[i])))
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_name_valid);

/**
 * slmq_mem_reserve() - account for a model's bytes before allocating them
 * @bytes: size of the GGUF file
 * @err: names the limit that was hit
 *
 * Return: 0, or -EFBIG when one model would exceed max_model_mb, or models,
 * loads and sessions together max_total_mb.
 */
int slmq_mem_reserve(u64 bytes, struct slmq_err *err)
{
	u64 one = (u64)slmq_max_model_mb << 20, all = (u64)slmq_max_total_mb << 20;
	int ret = 0;

	if (bytes > one)
		return slmq_fail(err, -EFBIG, "model is %llu bytes, max_model_mb allows %llu",
				 bytes, one);
	spin_lock(&slmq_mem_lock);
	if (slmq_mem_used + slmq_sess_used + bytes > all)
		ret = slmq_fail(err, -EFBIG, "%llu bytes would exceed max_total_mb (%llu in use)",
				bytes, slmq_mem_used + slmq_sess_used);
	else
		slmq_mem_used += bytes;
	spin_unlock(&slmq_mem_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_mem_reserve);

void slmq_mem_unreserve(u64 bytes)
{
	spin_lock(&slmq_mem_lock);
	WARN_ON(bytes > slmq_mem_used);
	slmq_mem_used -= min(bytes, slmq_mem_used);
	spin_unlock(&slmq_mem_lock);
}
EXPORT_SYMBOL_IF_KUNIT(slmq_mem_unreserve);

/**
 * slmq_sess_reserve() - account for session memory before allocating it
 * @bytes: what the allocation will take
 *
 * Sessions share max_total_mb with models and loads: whatever a request
 * asks for, the module's memory stays within it.
 *
 * Return: 0, or -EFBIG when the limit would be exceeded.
 */
int slmq_sess_reserve(u64 bytes)
{
	u64 all = (u64)slmq_max_total_mb << 20;
	int ret = 0;

	spin_lock(&slmq_mem_lock);
	if (bytes > all || slmq_mem_used + slmq_sess_used > all - bytes)
		ret = -EFBIG;
	else
		slmq_sess_used += bytes;
	spin_unlock(&slmq_mem_lock);
	return ret;
}

void slmq_sess_unreserve(u64 bytes)
{
	spin_lock(&slmq_mem_lock);
	WARN_ON(bytes > slmq_sess_used);
	slmq_sess_used -= min(bytes, slmq_sess_used);
	spin_unlock(&slmq_mem_lock);
}

/* Bytes held by sessions (sysfs session_memory). */
u64 slmq_sess_used_bytes(void)
{
	u64 used;

	spin_lock(&slmq_mem_lock);
	used = slmq_sess_used;
	spin_unlock(&slmq_mem_lock);
	return used;
}

/* Everything max_total_mb bounds. */
u64 slmq_mem_total_bytes(void)
{
	u64 used;

	spin_lock(&slmq_mem_lock);
	used = slmq_mem_used + slmq_sess_used;
	spin_unlock(&slmq_mem_lock);
	return used;
}

/*
 * Bytes held by published models and loads in progress (sysfs
 * memory_used).  A model's bytes are given back by whoever drops its last
 * reference, before that put returns, so nothing needs flushing here: any
 * user may read this as often as they like, at any time the file exists.
 */
u64 slmq_mem_used_bytes(void)
{
	u64 used;

	spin_lock(&slmq_mem_lock);
	used = slmq_mem_used;
	spin_unlock(&slmq_mem_lock);
	return used;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_mem_used_bytes);

/* SHA-256 of a buffer that may be 100 MB: hash it a megabyte at a time. */
int slmq_sha256(const void *buf, u64 len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, slmq_sha_tfm);
	u64 done = 0;
	int ret;

	desc->tfm = slmq_sha_tfm;
	ret = crypto_shash_init(desc);
	while (!ret && done < len) {
		unsigned int n = min_t(u64, len - done, SZ_1M);

		ret = crypto_shash_update(desc, (const u8 *)buf + done, n);
		done += n;
		cond_resched();
	}
	if (!ret)
		ret = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

static int slmq_kmodel_read_meta(struct slmq_kmodel *m, struct slmq_err *err)
{
	const struct slmq_gguf *g = &m->model.gguf;
	u64 i;
	int ret;

	ret = slmq_gguf_get_str(g, "slmq.report", &m->report, err);
	if (ret && ret != -ENOENT)
		return ret;
	ret = slmq_gguf_get_str(g, "slmq.verdict", &m->verdict, err);
	if (ret && ret != -ENOENT)
		return ret;
	for (i = 0; i < g->n_tensors; i++)
		if (g->tensors[i].type < ARRAY_SIZE(m->type_count))
			m->type_count[g->tensors[i].type]++;
	return 0;
}

/**
 * slmq_kmodel_create() - validate a GGUF file and wrap it as a model
 * @name: registry name (checked with slmq_name_valid())
 * @buf: the file, kvmalloc'd; owned by the model on success, still the
 *	caller's on failure
 * @size: its length; the caller has reserved it with slmq_mem_reserve(), and
 *	the reservation too passes to the model on success
 * @sha256: the file's hash if already verified, or NULL to compute it
 * @err: why the file was rejected
 *
 * Return: the model with one reference, not yet published, or an ERR_PTR.
 */
struct slmq_kmodel *slmq_kmodel_create(const char *name, void *buf, u64 size,
				       const u8 *sha256, struct slmq_err *err)
{
	struct slmq_kmodel *m;
	int ret;

	if (!slmq_name_valid(name))
		return ERR_PTR(slmq_fail(err, -EINVAL, "invalid model name"));
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(slmq_fail(err, -ENOMEM, "out of memory"));
	kref_init(&m->ref);
	INIT_LIST_HEAD(&m->node);
	strscpy(m->name, name, sizeof(m->name));
	if (sha256) {
		memcpy(m->sha256, sha256, SLMQ_SHA256_LEN);
	} else {
		ret = slmq_sha256(buf, size, m->sha256);
		if (ret) {
			slmq_fail(err, ret, "sha256 failed");
			goto free_m;
		}
	}
	/*
	 * buf is always the module's own writable copy (netlink staging, or
	 * slmqk_register_gguf()'s copy of a model module's image), so the
	 * block-quantized matrices are rearranged in place for the kernels,
	 * as slmqctl does: same results bit for bit, faster.  Nothing reads
	 * the tensor bytes as a GGUF image afterwards (the hash is taken above;
	 * the metadata keys below are not moved).
	 */
	ret = slmq_model_open(&m->model, buf, size, SLMQ_OPEN_INTERLEAVE,
			      &slmq_kalloc, err);
	if (ret)
		goto free_m;
	ret = slmq_kmodel_read_meta(m, err);
	if (ret)
		goto release_model;
	m->buf = buf;
	m->size = size;
	return m;

release_model:
	slmq_model_release(&m->model, &slmq_kalloc);
free_m:
	kfree(m);
	return ERR_PTR(ret);
}

/*
 * The last reference is gone, so the model is off the list (or was never
 * on it) and nobody can take a new one: a reader still walking the list
 * under RCU reads only name, node and ref, so the weights go now and the
 * struct itself after a grace period.
 */
static void slmq_kmodel_release(struct kref *ref)
{
	struct slmq_kmodel *m = container_of(ref, struct slmq_kmodel, ref);

	slmq_model_release(&m->model, &slmq_kalloc);
	kvfree(m->buf);
	slmq_mem_unreserve(m->size);
	kfree_rcu(m, rcu);
}

/**
 * slmq_kmodel_put() - drop a reference taken by lookup or create
 * @m: model (NULL is ignored)
 *
 * Context: process context; the last put frees the model's memory.
 */
void slmq_kmodel_put(struct slmq_kmodel *m)
{
	might_sleep();
	if (m)
		kref_put(&m->ref, slmq_kmodel_release);
}
EXPORT_SYMBOL_IF_KUNIT(slmq_kmodel_put);

/**
 * slmq_kmodel_discard() - free a created model that was never published
 * @m: model; its buffer and memory reservation are freed with it
 */
void slmq_kmodel_discard(struct slmq_kmodel *m)
{
	slmq_kmodel_put(m);
}

static struct slmq_kmodel *slmq_registry_find_locked(const char *name)
{
	struct slmq_kmodel *m;

	list_for_each_entry(m, &slmq_models, node)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/**
 * slmq_registry_publish() - make a model visible, replacing one of that name
 * @m: from slmq_kmodel_create(); the registry takes over the caller's
 *	reference whether or not this succeeds
 *
 * The replacement is a single RCU pointer swap: lookups see either the old
 * or the new model, never neither.  Holders of the old one keep using it.
 *
 * Return: 0 or a negative errno (sysfs directory could not be created).
 */
int slmq_registry_publish(struct slmq_kmodel *m)
{
	struct slmq_kmodel *old;

	mutex_lock(&slmq_reg_lock);
	old = slmq_registry_find_locked(m->name);
	if (old) {
		m->kobj = old->kobj;
		old->kobj = NULL;
		list_replace_rcu(&old->node, &m->node);
	} else {
		m->kobj = slmq_sysfs_add(m->name);
		if (IS_ERR(m->kobj)) {
			int ret = PTR_ERR(m->kobj);

			mutex_unlock(&slmq_reg_lock);
			m->kobj = NULL;
			slmq_kmodel_put(m);
			return ret;
		}
		list_add_tail_rcu(&m->node, &slmq_models);
	}
	slmq_nl_notify(m, true);
	mutex_unlock(&slmq_reg_lock);
	pr_info("model %s %s (%llu bytes, %llu parameters)\n", m->name,
		old ? "replaced" : "published", m->size, m->model.n_params);
	slmq_kmodel_put(old);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_registry_publish);

/**
 * slmq_registry_delete() - withdraw a model by name
 * @name: model name
 *
 * Return: 0, or -ENOENT when no model has that name.
 */
int slmq_registry_delete(const char *name)
{
	struct slmq_kmodel *m;

	mutex_lock(&slmq_reg_lock);
	m = slmq_registry_find_locked(name);
	if (!m) {
		mutex_unlock(&slmq_reg_lock);
		return -ENOENT;
	}
	list_del_rcu(&m->node);
	slmq_sysfs_del(m->kobj);
	m->kobj = NULL;
	slmq_nl_notify(m, false);
	mutex_unlock(&slmq_reg_lock);
	pr_info("model %s withdrawn\n", name);
	slmq_kmodel_put(m);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_registry_delete);

/**
 * slmq_registry_lookup() - find a published model and take a reference
 * @name: model name
 *
 * Return: the model (drop it with slmq_kmodel_put()) or NULL.
 */
struct slmq_kmodel *slmq_registry_lookup(const char *name)
{
	struct slmq_kmodel *m, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(m, &slmq_models, node) {
		if (!strcmp(m->name, name) && kref_get_unless_zero(&m->ref)) {
			found = m;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(slmq_registry_lookup);

/**
 * slmq_registry_nth() - the idx-th published model, with a reference
 * @idx: position in publication order (dumps resume from it)
 *
 * Return: the model or NULL past the end.
 */
struct slmq_kmodel *slmq_registry_nth(unsigned long idx)
{
	struct slmq_kmodel *m, *found = NULL;
	unsigned long i = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(m, &slmq_models, node) {
		if (i++ == idx && kref_get_unless_zero(&m->ref)) {
			found = m;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

int slmq_registry_init(void)
{
	slmq_sha_tfm = crypto_alloc_shash("sha256", 0, 0);
	return PTR_ERR_OR_ZERO(slmq_sha_tfm);
}

/**
 * slmq_registry_withdraw_all() - unpublish every model (module exit, failed init)
 *
 * Called once nothing can publish any more: the netlink family is gone
 * and model modules pin slmq.ko.  Other references pin it too, so each
 * model is freed here, and its sysfs directory removed.
 */
void slmq_registry_withdraw_all(void)
{
	struct slmq_kmodel *m, *tmp;

	mutex_lock(&slmq_reg_lock);
	list_for_each_entry_safe(m, tmp, &slmq_models, node) {
		list_del_rcu(&m->node);
		slmq_sysfs_del(m->kobj);
		m->kobj = NULL;
		slmq_kmodel_put(m);
	}
	mutex_unlock(&slmq_reg_lock);
}

/* Module exit, after slmq_registry_withdraw_all(): kfree_rcu() needs no barrier. */
void slmq_registry_exit(void)
{
	crypto_free_shash(slmq_sha_tfm);
}
