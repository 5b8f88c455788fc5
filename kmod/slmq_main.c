// SPDX-License-Identifier: GPL-2.0
/*
 * slmq.ko entry points: module parameters, init and exit.
 *
 * Each part of the module (model registry, generic netlink family, firmware
 * loading, ...) provides one init/exit pair; slmq_init() calls them in order
 * and unwinds in reverse on failure, slmq_exit() tears down in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

/* Largest single model accepted, in MiB. */
static unsigned int max_model_mb = 100;
module_param(max_model_mb, uint, 0444);
MODULE_PARM_DESC(max_model_mb, "Largest model accepted, in MiB (default 100)");

static int __init slmq_init(void)
{
	return 0;
}

static void __exit slmq_exit(void)
{
}

module_init(slmq_init);
module_exit(slmq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Quantized small language models served from kernel memory");
