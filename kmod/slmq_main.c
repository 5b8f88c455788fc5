// SPDX-License-Identifier: GPL-2.0
/*
 * slmq.ko entry points: module parameters, init and exit.
 *
 * Each part of the module (model registry, generic netlink family, firmware
 * loading, ...) provides one init/exit pair; slmq_init() calls them in order
 * and unwinds in reverse on failure, slmq_exit() tears down in reverse.
 * Internal state comes first and what users can reach (sysfs, the netlink
 * family, then the models of model=) last, so no user ever reaches a part
 * that is not set up yet or already torn down.  Unregistering the family
 * waits for the requests in flight (genl_unregister_family() takes the
 * lock every request holds) and no new one can start afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <kunit/visibility.h>

#include "slmq_priv.h"

/* Largest single model accepted, in MiB. */
unsigned int slmq_max_model_mb = 100;
EXPORT_SYMBOL_IF_KUNIT(slmq_max_model_mb);
module_param_named(max_model_mb, slmq_max_model_mb, uint, 0644);
MODULE_PARM_DESC(max_model_mb, "Largest model accepted, in MiB (default 100)");

/* All published models plus staging loads, in MiB (a replacement needs both copies). */
unsigned int slmq_max_total_mb = 256;
EXPORT_SYMBOL_IF_KUNIT(slmq_max_total_mb);
module_param_named(max_total_mb, slmq_max_total_mb, uint, 0644);
MODULE_PARM_DESC(max_total_mb, "Memory for all models and loads in progress, in MiB (default 256)");

bool slmq_open_generate;
module_param_named(open_generate, slmq_open_generate, bool, 0644);
MODULE_PARM_DESC(open_generate, "Let callers without CAP_NET_ADMIN generate (default off)");

unsigned int slmq_user_max_tokens = 64;
module_param_named(user_max_tokens, slmq_user_max_tokens, uint, 0644);
MODULE_PARM_DESC(user_max_tokens, "Tokens per request for callers without CAP_NET_ADMIN (default 64)");

unsigned int slmq_max_concurrent = 2;
module_param_named(max_concurrent, slmq_max_concurrent, uint, 0444);
MODULE_PARM_DESC(max_concurrent, "Generations running at once; more wait (default 2)");

/* The engine's default (and slmqctl's): an F16 cache, the same bits as userspace's. */
bool slmq_kv_f32;
module_param_named(kv_f32, slmq_kv_f32, bool, 0644);
MODULE_PARM_DESC(kv_f32, "Keep new sessions' KV cache in F32 (default off: F16, as slmqctl's default --kv f16)");

static char *slmq_model_param;
module_param_named(model, slmq_model_param, charp, 0444);
MODULE_PARM_DESC(model, "Firmware files to load at insmod, e.g. slmq/NAME.gguf (comma-separated)");

static int __init slmq_init(void)
{
	int ret;

	if (!slmq_env_fpu_usable()) {
		pr_err("this CPU has no FPU the kernel lets modules use\n");
		return -ENODEV;
	}
	ret = slmq_registry_init();
	if (ret)
		return ret;
	slmq_gen_init();
	ret = slmq_load_init();
	if (ret)
		goto registry_exit;
	ret = slmq_sysfs_init();
	if (ret)
		goto load_exit;
	ret = slmq_nl_init();
	if (ret)
		goto sysfs_exit;
	ret = slmq_fw_load_param(slmq_model_param);
	if (ret)
		goto nl_exit;
	return 0;

nl_exit:
	/* Family first: a netlink load could publish after the withdrawal. */
	slmq_nl_exit();
	slmq_registry_withdraw_all();	/* what model= published before failing */
sysfs_exit:
	slmq_sysfs_exit();
load_exit:
	slmq_load_exit();
registry_exit:
	slmq_registry_exit();
	return ret;
}

static void __exit slmq_exit(void)
{
	slmq_nl_exit();
	slmq_registry_withdraw_all();
	slmq_sysfs_exit();
	slmq_load_exit();
	slmq_registry_exit();
}

module_init(slmq_init);
module_exit(slmq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Quantized small language models served from kernel memory");
