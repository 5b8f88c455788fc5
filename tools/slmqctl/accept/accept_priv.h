/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between accept.c (the loop), options.c, summary.c and checkpoints.c. */
#ifndef SLMQ_ACCEPT_PRIV_H
#define SLMQ_ACCEPT_PRIV_H

#include "hf_export.h"
#include "../quant/options.h"
#include "../validate/validate.h"

#define AUTO_MAX_CKPT 64
#define AUTO_MAX_LADDER 6

struct attempt {
	const char *label;	/* "int4", "mixed", "int8", "int4_calib2x" */
	int bits;
	const char *mixed;	/* --mixed spec or NULL */
	unsigned int samples;	/* --calib-samples */
	const char *suffix;	/* directory suffix */
	const char *why;	/* why this rung runs */
	const char *skip;	/* reason it cannot run, or NULL */
	bool ran, accepted;
};

/* Per criterion, the attempt that came closest (for the final advice). */
struct miss {
	bool failed;
	double margin;
	const char *label;
	char detail[256];
};

struct auto_args {
	const char *model, *out, *name, *mixed, *method, *calib;
	int bits;			/* 0: the size policy decides */
	unsigned int samples;
	struct slmq_quantize_args q;	/* quantize's own options, for every rung */
	const char *ckpt[AUTO_MAX_CKPT];
	int n_ckpt;
	char ckpt_pick[4096];
	char name_buf[256];
	bool method_given;
	struct val_opts vo;
	struct attempt ladder[AUTO_MAX_LADDER];
	int n_ladder;
	bool accepted_any;
	struct miss miss[VAL_N_CRIT];
};

/* The --auto command line (options.c); 0, or 1 after printing. */
int auto_parse(struct auto_args *a, int argc, char **argv);
void auto_policy(struct auto_args *a, const struct cli_model *fp,
		 struct json_object *summary);
struct json_object *auto_attempt_json(const struct auto_args *a,
				      const struct attempt *at, const char *dir,
				      const struct val_result *r,
				      const struct hf_export_info *hx,
				      double seconds);
struct json_object *auto_skipped_json(const struct attempt *at);
void auto_note_misses(struct auto_args *a, const struct attempt *at,
		      const struct val_verdict *v);
void auto_conclude(struct auto_args *a, int accepted,
		   struct json_object *summary);
void auto_print_table(struct json_object *summary, const char *path);
int auto_pick_checkpoint(struct auto_args *a, struct json_object *summary);

#endif /* SLMQ_ACCEPT_PRIV_H */
