/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slmqctl quantize ... --auto: the acceptance loop.  cmd_quantize.c hands the
 * whole command line over when it sees --auto; each attempt is one
 * slmq_quantize() call (quant/quantize.h) into its own directory with the
 * rung's parameters, validated with val_validate() (validate/), and recorded
 * in OUT/quantization_summary.json.
 */
#ifndef SLMQ_ACCEPT_H
#define SLMQ_ACCEPT_H

#include <stdbool.h>

bool accept_requested(int argc, char **argv);
int accept_run(int argc, char **argv);

/* Below this many parameters the default first attempt is INT8 (the seed's policy). */
#define AUTO_INT8_BELOW_PARAMS 20000000ull

#endif /* SLMQ_ACCEPT_H */
