// SPDX-License-Identifier: GPL-2.0
/*
 * Models at insmod time: `insmod slmq.ko model=slmq/NAME.gguf[,slmq/OTHER.gguf]`
 * loads /lib/firmware/slmq/NAME.gguf through the firmware loader and
 * publishes it as NAME (the file name without directory and .gguf).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/firmware.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "slmq_priv.h"

/* slmq/NAME.gguf -> NAME */
static int slmq_fw_model_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".gguf"))
		n -= 5;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(name, base, n);
	name[n] = '\0';
	return slmq_name_valid(name) ? 0 : -EINVAL;
}

static int slmq_fw_load_one(const char *path)
{
	const struct firmware *fw;
	char name[SLMQ_NAME_MAX];
	int ret;

	ret = slmq_fw_model_name(path, name, sizeof(name));
	if (ret) {
		pr_err("model=%s: not a usable model name\n", path);
		return ret;
	}
	ret = request_firmware(&fw, path, NULL);
	if (ret) {
		pr_err("model=%s: firmware not found (%d)\n", path, ret);
		return ret;
	}
	ret = slmqk_register_gguf(name, fw->data, fw->size);
	release_firmware(fw);
	return ret;
}

/**
 * slmq_fw_load_param() - load every model named in the model= parameter
 * @list: comma-separated firmware paths; NULL or "" loads nothing
 *
 * Return: 0 or the first error (insmod then fails: the admin asked for a
 * model that cannot be served).
 */
int slmq_fw_load_param(const char *list)
{
	char *copy, *cur, *path;
	int ret = 0;

	if (!list || !*list)
		return 0;
	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = copy;
	while (!ret && (path = strsep(&cur, ",")))
		if (*path)
			ret = slmq_fw_load_one(path);
	kfree(copy);
	return ret;
}
