// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/slmq/memory_used: bytes of published models and loads in
 * progress; /sys/kernel/slmq/session_memory: bytes of running sessions (KV
 * caches, scratch).  max_total_mb bounds the two together.
 * /sys/kernel/slmq/fpu_section_{max_ns,total_ns}, fpu_sections: the longest
 * FPU section run so far, their total time and number (write 0 to
 * fpu_section_max_ns to start all three again).
 * /sys/kernel/slmq/generations_{running,waiting}: requests holding one of
 * the max_concurrent slots, and requests queued for one.
 * /sys/kernel/slmq/NAME/{size,sha256,n_params,verdict,requests,tokens,
 * errors,last_latency_ns}: one directory per published name.  The
 * directory belongs to the name, not to one model: a replacement keeps it,
 * and each read looks the current model up, so a file never shows a model
 * that has been freed.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "slmq_priv.h"

static struct kobject *slmq_sysfs_root;

enum slmq_sysfs_field {
	SLMQ_SYSFS_SIZE,
	SLMQ_SYSFS_SHA256,
	SLMQ_SYSFS_N_PARAMS,
	SLMQ_SYSFS_VERDICT,
	SLMQ_SYSFS_REQUESTS,
	SLMQ_SYSFS_TOKENS,
	SLMQ_SYSFS_ERRORS,
	SLMQ_SYSFS_LAST_LATENCY_NS,
};

struct slmq_sysfs_attr {
	struct kobj_attribute attr;
	enum slmq_sysfs_field field;
};

static ssize_t slmq_sysfs_field_show(struct slmq_kmodel *m,
				     enum slmq_sysfs_field field, char *buf)
{
	switch (field) {
	case SLMQ_SYSFS_SIZE:
		return sysfs_emit(buf, "%llu\n", m->size);
	case SLMQ_SYSFS_SHA256:
		return sysfs_emit(buf, "%*phN\n", SLMQ_SHA256_LEN, m->sha256);
	case SLMQ_SYSFS_N_PARAMS:
		return sysfs_emit(buf, "%llu\n", m->model.n_params);
	case SLMQ_SYSFS_VERDICT:
		return sysfs_emit(buf, "%.*s\n", (int)min_t(u64, m->verdict.len, 64),
				  m->verdict.ptr ? m->verdict.ptr : "");
	case SLMQ_SYSFS_REQUESTS:
		return sysfs_emit(buf, "%lld\n", atomic64_read(&m->stats.requests));
	case SLMQ_SYSFS_TOKENS:
		return sysfs_emit(buf, "%lld\n", atomic64_read(&m->stats.tokens));
	case SLMQ_SYSFS_ERRORS:
		return sysfs_emit(buf, "%lld\n", atomic64_read(&m->stats.errors));
	case SLMQ_SYSFS_LAST_LATENCY_NS:
		return sysfs_emit(buf, "%lld\n", atomic64_read(&m->stats.last_latency_ns));
	}
	return -EINVAL;
}

static ssize_t slmq_sysfs_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	struct slmq_sysfs_attr *sa = container_of(attr, struct slmq_sysfs_attr, attr);
	struct slmq_kmodel *m = slmq_registry_lookup(kobject_name(kobj));
	ssize_t ret;

	if (!m)
		return -ENOENT;		/* withdrawn while the file was open */
	ret = slmq_sysfs_field_show(m, sa->field, buf);
	slmq_kmodel_put(m);
	return ret;
}

#define SLMQ_ATTR(_name, _field) \
	static struct slmq_sysfs_attr slmq_attr_##_name = { \
		.attr = __ATTR(_name, 0444, slmq_sysfs_show, NULL), \
		.field = _field, \
	}

SLMQ_ATTR(size, SLMQ_SYSFS_SIZE);
SLMQ_ATTR(sha256, SLMQ_SYSFS_SHA256);
SLMQ_ATTR(n_params, SLMQ_SYSFS_N_PARAMS);
SLMQ_ATTR(verdict, SLMQ_SYSFS_VERDICT);
SLMQ_ATTR(requests, SLMQ_SYSFS_REQUESTS);
SLMQ_ATTR(tokens, SLMQ_SYSFS_TOKENS);
SLMQ_ATTR(errors, SLMQ_SYSFS_ERRORS);
SLMQ_ATTR(last_latency_ns, SLMQ_SYSFS_LAST_LATENCY_NS);

static struct attribute *slmq_model_attrs[] = {
	&slmq_attr_size.attr.attr,
	&slmq_attr_sha256.attr.attr,
	&slmq_attr_n_params.attr.attr,
	&slmq_attr_verdict.attr.attr,
	&slmq_attr_requests.attr.attr,
	&slmq_attr_tokens.attr.attr,
	&slmq_attr_errors.attr.attr,
	&slmq_attr_last_latency_ns.attr.attr,
	NULL,
};

static const struct attribute_group slmq_model_group = {
	.attrs = slmq_model_attrs,
};

/**
 * slmq_sysfs_add() - create /sys/kernel/slmq/NAME
 * @name: a valid model name
 *
 * Return: the directory's kobject or an ERR_PTR.
 */
struct kobject *slmq_sysfs_add(const char *name)
{
	struct kobject *kobj;
	int ret;

	kobj = kobject_create_and_add(name, slmq_sysfs_root);
	if (!kobj)
		return ERR_PTR(-ENOMEM);
	ret = sysfs_create_group(kobj, &slmq_model_group);
	if (ret) {
		kobject_put(kobj);
		return ERR_PTR(ret);
	}
	return kobj;
}

void slmq_sysfs_del(struct kobject *kobj)
{
	if (!kobj)
		return;
	sysfs_remove_group(kobj, &slmq_model_group);
	kobject_put(kobj);
}

static ssize_t memory_used_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%llu\n", slmq_mem_used_bytes());
}

static struct kobj_attribute slmq_attr_memory_used = __ATTR_RO(memory_used);

static ssize_t session_memory_show(struct kobject *kobj, struct kobj_attribute *attr,
				   char *buf)
{
	return sysfs_emit(buf, "%llu\n", slmq_sess_used_bytes());
}

static struct kobj_attribute slmq_attr_session_memory = __ATTR_RO(session_memory);

enum slmq_fpu_stat { SLMQ_FPU_MAX_NS, SLMQ_FPU_COUNT, SLMQ_FPU_TOTAL_NS };

static ssize_t slmq_fpu_stat_show(char *buf, enum slmq_fpu_stat which)
{
	u64 v[3];

	v[SLMQ_FPU_MAX_NS] = slmq_fpu_section_stats(&v[SLMQ_FPU_COUNT], &v[SLMQ_FPU_TOTAL_NS]);
	return sysfs_emit(buf, "%llu\n", v[which]);
}

static ssize_t fpu_section_max_ns_show(struct kobject *kobj, struct kobj_attribute *attr,
				       char *buf)
{
	return slmq_fpu_stat_show(buf, SLMQ_FPU_MAX_NS);
}

static ssize_t fpu_sections_show(struct kobject *kobj, struct kobj_attribute *attr,
				 char *buf)
{
	return slmq_fpu_stat_show(buf, SLMQ_FPU_COUNT);
}

static ssize_t fpu_section_total_ns_show(struct kobject *kobj, struct kobj_attribute *attr,
					 char *buf)
{
	return slmq_fpu_stat_show(buf, SLMQ_FPU_TOTAL_NS);
}

/* Writing 0 starts a new measurement of all three (root: the file is 0644). */
static ssize_t fpu_section_max_ns_store(struct kobject *kobj, struct kobj_attribute *attr,
					const char *buf, size_t len)
{
	u64 v;
	int ret = kstrtou64(buf, 0, &v);

	if (ret)
		return ret;
	if (v)
		return -EINVAL;
	slmq_fpu_section_stats_reset();
	return len;
}

static struct kobj_attribute slmq_attr_fpu_sections = __ATTR_RO(fpu_sections);
static struct kobj_attribute slmq_attr_fpu_section_total_ns = __ATTR_RO(fpu_section_total_ns);
static struct kobj_attribute slmq_attr_fpu_section_max_ns = __ATTR_RW(fpu_section_max_ns);

static ssize_t generations_running_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", slmq_gen_running_count());
}

static struct kobj_attribute slmq_attr_generations_running =
	__ATTR_RO(generations_running);

static ssize_t generations_waiting_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", slmq_gen_waiting_count());
}

static struct kobj_attribute slmq_attr_generations_waiting =
	__ATTR_RO(generations_waiting);

static struct attribute *slmq_root_attrs[] = {
	&slmq_attr_memory_used.attr,
	&slmq_attr_session_memory.attr,
	&slmq_attr_fpu_section_max_ns.attr,
	&slmq_attr_fpu_sections.attr,
	&slmq_attr_fpu_section_total_ns.attr,
	&slmq_attr_generations_running.attr,
	&slmq_attr_generations_waiting.attr,
	NULL,
};

static const struct attribute_group slmq_root_group = {
	.attrs = slmq_root_attrs,
};

int slmq_sysfs_init(void)
{
	int ret;

	slmq_sysfs_root = kobject_create_and_add("slmq", kernel_kobj);
	if (!slmq_sysfs_root)
		return -ENOMEM;
	ret = sysfs_create_group(slmq_sysfs_root, &slmq_root_group);
	if (ret)
		kobject_put(slmq_sysfs_root);
	return ret;
}

void slmq_sysfs_exit(void)
{
	kobject_put(slmq_sysfs_root);
}
