// SPDX-License-Identifier: GPL-2.0
/* Validation options, threshold flags and prompt files. */
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "tap.h"
#include "validate/validate.h"

static int parse_all(struct val_opts *o, int argc, char **argv)
{
	int i, r;

	for (i = 0; i < argc; i++) {
		r = val_opts_parse(o, argc, argv, &i);
		if (r <= 0)
			return r < 0 ? -1 : i + 1;
	}
	return 0;
}

int main(void)
{
	char *good[] = { "--max-ppl-increase", "0.5", "--min-speedup", "0", "--max-gen-failures", "3",
			 "--eval", "x.bin", "--speed-runs", "7", "--gen-tokens", "9",
			 "--min-size-ratio-int4", "2.5" };
	char *bad1[] = { "--min-speedup", "fast" };
	char *bad2[] = { "--speed-runs", "65" };
	char *other[] = { "--stamp" };
	char *thr[] = { "--threads", "3" };
	char *thr0[] = { "--threads", "0" };
	char path[] = "/tmp/slmq-prompts-XXXXXX";
	static const char file[] = "# comment\n\nfirst prompt\nNAME\\n  two lines\nback\\\\slash\n";
	struct slmq_err err = { 0 };
	struct val_prompts ps;
	struct val_opts o;
	int fd;

	val_opts_default(&o);
	tap_ok(o.th.max_ppl_increase_pct == 2.0 && o.th.min_decode_speedup == 1.5 &&
	       o.th.min_size_ratio_int4 == 3.0 && o.th.min_size_ratio_int8 == 1.8 &&
	       o.th.min_fp_bench_pct == 20.0 && o.th.max_gen_failures == 0,
	       "defaults are the issue's thresholds");
	tap_ok(parse_all(&o, 14, good) == 0 && o.th.max_ppl_increase_pct == 0.5 &&
	       o.th.min_decode_speedup == 0 && o.th.max_gen_failures == 3 &&
	       !strcmp(o.eval_path, "x.bin") && o.speed_runs == 7 && o.gen_max_new == 9 &&
	       o.th.min_size_ratio_int4 == 2.5,
	       "every flag sets its field");
	tap_ok(parse_all(&o, 2, bad1) == -1, "a non-number threshold is refused");
	tap_ok(parse_all(&o, 2, bad2) == -1, "more than 64 speed runs refused");
	tap_ok(parse_all(&o, 1, other) == 1, "an unknown flag is left to the command");
	tap_ok(o.threads == 0, "default: evaluation on every CPU (threads 0)");
	tap_ok(parse_all(&o, 2, thr) == 0 && o.threads == 3, "--threads 3 sets the workers");
	tap_ok(parse_all(&o, 2, thr0) == -1, "--threads 0 refused");

	fd = val_prompts_load(NULL, &ps, &err);
	tap_ok(!fd && ps.n >= 10 && !strchr(ps.p[0], '#'),
	       "bundled prompt set: %d prompts, first '%s'", ps.n, ps.n ? ps.p[0] : "");
	val_prompts_free(&ps);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, file, sizeof(file) - 1) != (ssize_t)(sizeof(file) - 1))
		return tap_ok(0, "temp file"), tap_done();
	close(fd);
	tap_ok(!val_prompts_load(path, &ps, &err) && ps.n == 3 &&
	       !strcmp(ps.p[0], "first prompt") && !strcmp(ps.p[1], "NAME\n  two lines") &&
	       !strcmp(ps.p[2], "back\\slash"),
	       "prompt file: comments and blank lines skipped, \\n and \\\\ unescaped");
	val_prompts_free(&ps);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (write(fd, "# only a comment\n", 17) != 17)
		return tap_done();
	close(fd);
	tap_ok(val_prompts_load(path, &ps, &err) == -EINVAL && strstr(err.msg, "no prompts"),
	       "a file without prompts is refused: %s", err.msg);
	unlink(path);
	return tap_done();
}
