/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slmqctl quantize ... --auto: the acceptance loop.  cmd_quantize.c hands the
 * whole command line over when it sees --auto; each attempt then runs the
 * ordinary quantize command (the very code path a user runs) into its own
 * directory, validates it, and records it in OUT/quantization_summary.json.
 */
#ifndef SLMQ_VALIDATE_AUTO_H
#define SLMQ_VALIDATE_AUTO_H

#include <stdbool.h>

bool quantize_auto_requested(int argc, char **argv);
int quantize_auto(int argc, char **argv);

/* Below this many parameters the default first attempt is INT8 (the seed's policy). */
#define AUTO_INT8_BELOW_PARAMS 20000000ull

#endif /* SLMQ_VALIDATE_AUTO_H */
