/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal TAP producer for the unit tests (header-only). */
#ifndef SLMQ_TAP_H
#define SLMQ_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

/* Records one test; returns cond so callers can chain diagnostics. */
static inline int __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Prints the plan (at the end: TAP allows it) and the exit code. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* Where the fixtures are: $SLMQ_FIXTURES or the repo's fixtures/. */
static inline const char *tap_fixture_dir(void)
{
	const char *d = getenv("SLMQ_FIXTURES");

	return d && *d ? d : "fixtures";
}

#endif /* SLMQ_TAP_H */
