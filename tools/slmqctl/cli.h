/* SPDX-License-Identifier: GPL-2.0 */
/* What every slmqctl command shares: registration, errors, progress, JSON, models. */
#ifndef SLMQCTL_CLI_H
#define SLMQCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "../../kmod/engine/compat.h"
#include "../../kmod/engine/kernels.h"
#include "../../kmod/engine/model.h"
#include "cpu.h"

struct slmqctl_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;	/* one line of arguments */
	const char *summary;	/* one line of what it does */
};

/*
 * Each cmd_*.c registers its command with this; main.c finds them all in the
 * slmqctl_cmds section, so adding a command touches no shared file.
 */
#define SLMQCTL_COMMAND(cname, fn, use, sum)				\
	static const struct slmqctl_cmd slmqctl_cmd_##fn		\
	__attribute__((used, section("slmqctl_cmds"), aligned(8))) =	\
		{ .name = cname, .run = fn, .usage = use, .summary = sum }

/*
 * More options of command cname, in usage-line form ("[--damp F] ..."), from
 * the file that parses them, so `slmqctl CMD --help` lists options that
 * shared parsers (quantization methods, validation thresholds) accept.
 */
struct slmqctl_opts {
	const char *cmd;
	const char *usage;
};

#define SLMQCTL_OPTIONS(cname, id, text)				\
	static const struct slmqctl_opts slmqctl_opts_##id		\
	__attribute__((used, section("slmqctl_opts"), aligned(8))) =	\
		{ .cmd = cname, .usage = text }

/* Prints "slmqctl: <message>" as one line on stderr; returns 1 (the exit code). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "slmqctl: warning: <message>" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress on a terminal only (stderr is a TTY and --json not given); done == total ends the line. */
void cli_progress(const char *what, unsigned long long done,
		  unsigned long long total);
extern bool cli_quiet;	/* set by --json: no progress, no tables */

/* Prints obj pretty to stdout with a newline and drops the reference. */
void cli_print_json(struct json_object *obj);

/* Whole file into a malloc'd buffer (NUL-terminated beyond *len). 0 or -errno. */
int cli_read_file(const char *path, void **buf, size_t *len);
/* Writes via a temporary file and rename, so a failed write loses nothing. */
int cli_write_file(const char *path, const void *buf, size_t len);

/* Userspace allocator (calloc-like, 64-byte aligned) and environment. */
extern const struct slmq_allocator cli_allocator;
/* cli_cpu_features(), cli_kernels(): cpu.h. */

/* (Inline, so objects that never run the engine need no kernels: fuzz.sh.) */
static inline void cli_env_init(struct slmq_env *env)
{
	memset(env, 0, sizeof(*env));
	env->alloc = &cli_allocator;
	env->kernels = cli_kernels();
}

/*
 * A model opened from a path: a GGUF file as is, or a Hugging Face directory
 * converted in memory to an F16 GGUF (the same bytes `slmqctl convert` writes).
 */
struct cli_model {
	void *buf;
	size_t len;
	struct slmq_model model;
	char path[4096];
};

int cli_model_open(const char *path, struct cli_model *cm, struct slmq_err *err);
/*
 * The same with slmq_model_open() flags: SLMQ_OPEN_INTERLEAVE for a model
 * that is only run (the faster layout; cm->buf is then no GGUF image).
 */
int cli_model_open_flags(const char *path, u32 flags, struct cli_model *cm,
			 struct slmq_err *err);
/*
 * The same with a reader of the file's own layout: first(model, ctx, err)
 * runs on the loaded GGUF before SLMQ_OPEN_INTERLEAVE rearranges it (the
 * GPTQ export of quantize --auto), so no caller can get the order wrong.
 */
int cli_model_open_first(const char *path, u32 flags,
			 int (*first)(const struct slmq_model *m, void *ctx,
				      struct slmq_err *err),
			 void *ctx, struct cli_model *cm, struct slmq_err *err);
void cli_model_close(struct cli_model *cm);

/*
 * The last component of path (trailing slashes ignored), copied into buf:
 * "runs/step_100/" gives "step_100".  Returns a pointer into buf.
 */
const char *cli_basename(const char *path, char *buf, size_t len);

/*
 * Parses len bytes of JSON that must be an object.  NULL when the bytes are
 * not JSON, not an object, or too long for json-c; the caller names the file.
 */
struct json_object *cli_json_parse_object(const char *json, size_t len);

/*
 * The text of @o when it is a JSON string, else @dflt (absent, null, or any
 * other type): json_object_get_string() gives NULL for null, and untrusted
 * files say null where a string belongs.
 */
const char *cli_json_str(struct json_object *o, const char *dflt);

/*
 * --kv f16|f32: the KV cache's type, into SLMQ_SESSION_KV_F32 of
 * *session_flags (f16, the engine's default, clears it).  0, or 1 after a
 * one-line message.
 */
int cli_parse_kv(const char *arg, u32 *session_flags);
/* "f16" or "f32": the cache type session_flags ask for (reports). */
const char *cli_kv_name(u32 session_flags);
#define CLI_KV_USAGE "[--kv f16|f32]"

/* Seconds from a monotonic clock. */
double cli_now(void);

#endif /* SLMQCTL_CLI_H */
