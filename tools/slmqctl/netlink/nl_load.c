// SPDX-License-Identifier: GPL-2.0
/* The chunked load protocol (nl_load.h). */
#include <errno.h>
#include <stdio.h>

#include "nl_load.h"

/* Sends a request whose attributes could not be built: the message says so. */
static int nl_oom(struct slmq_nl *nl, struct nl_msg *m)
{
	nlmsg_free(m);
	snprintf(nl->err, sizeof(nl->err), "out of memory");
	return -ENOMEM;
}

int slmq_nl_load_begin(struct slmq_nl *nl, const char *name, uint64_t size,
		       const uint8_t sha256[32])
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_LOAD_BEGIN, 0);

	if (!m || (name && nla_put_string(m, SLMQ_A_MODEL_NAME, name)) ||
	    nla_put_u64(m, SLMQ_A_MODEL_SIZE, size) ||
	    (sha256 && nla_put(m, SLMQ_A_MODEL_SHA256, SLMQ_SHA256_LEN, sha256)))
		return nl_oom(nl, m);
	return slmq_nl_call(nl, m, NULL, NULL);
}

int slmq_nl_load_chunk(struct slmq_nl *nl, const char *name, uint64_t offset,
		       const void *data, size_t len)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_LOAD_CHUNK, 0);

	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name) ||
	    nla_put_u64(m, SLMQ_A_MODEL_OFFSET, offset) ||
	    nla_put(m, SLMQ_A_MODEL_DATA, (int)len, data))
		return nl_oom(nl, m);
	return slmq_nl_call(nl, m, NULL, NULL);
}

int slmq_nl_name_cmd(struct slmq_nl *nl, uint8_t cmd, const char *name)
{
	struct nl_msg *m = slmq_nl_msg(nl, cmd, 0);

	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name))
		return nl_oom(nl, m);
	return slmq_nl_call(nl, m, NULL, NULL);
}

int slmq_nl_stage(struct slmq_nl *nl, const char *name, const void *buf, size_t len,
		  const uint8_t sha256[32], slmq_nl_progress_fn progress, void *arg,
		  const char **step)
{
	const char *dummy;
	size_t off, n;
	int ret;

	step = step ? step : &dummy;
	*step = "load-begin";
	ret = slmq_nl_load_begin(nl, name, len, sha256);
	if (ret)
		return ret;
	*step = "load-chunk";
	for (off = 0; off < len; off += n) {
		n = len - off < SLMQ_CHUNK_MAX ? len - off : SLMQ_CHUNK_MAX;
		ret = slmq_nl_load_chunk(nl, name, off, (const char *)buf + off, n);
		if (ret)
			return ret;
		if (progress)
			progress(off + n, len, arg);
	}
	return 0;
}

int slmq_nl_load(struct slmq_nl *nl, const char *name, const void *buf, size_t len,
		 const uint8_t sha256[32], slmq_nl_progress_fn progress, void *arg,
		 const char **step)
{
	const char *dummy;
	int ret;

	step = step ? step : &dummy;
	ret = slmq_nl_stage(nl, name, buf, len, sha256, progress, arg, step);
	if (ret)
		return ret;
	*step = "load-commit";
	return slmq_nl_name_cmd(nl, SLMQ_CMD_LOAD_COMMIT, name);
}
