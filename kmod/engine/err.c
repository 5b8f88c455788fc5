// SPDX-License-Identifier: GPL-2.0
/* Error reporting shared by the kernel module and slmqctl. */
#include "compat.h"

int slmq_fail(struct slmq_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
