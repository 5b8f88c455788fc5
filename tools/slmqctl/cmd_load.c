// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl load OUT_DIR|model.gguf [--name NAME] [--force] [--json]
 *
 * Pushes a GGUF to slmq.ko in chunks (load-begin, load-chunk..., load-commit).
 * The kernel verifies size and SHA-256 and validates the file itself; a
 * REJECTED verdict stamped by `slmqctl validate` is refused here unless --force.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "netlink/nl_load.h"
#include "netlink/sha256.h"
#include "validate/verdict.h"

/* A directory holds exactly one .gguf (what `slmqctl quantize -o DIR` writes). */
static int find_gguf(const char *dir, char *out, size_t len)
{
	struct dirent *e;
	int found = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 5 && !strcmp(e->d_name + n - 5, ".gguf")) {
			if (found++)
				break;
			snprintf(out, len, "%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}

/* Default name: the file's stem, or the directory's name. */
static void default_name(const char *arg, bool is_dir, char *name, size_t len)
{
	char tmp[4096];
	char *base;
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s", arg);
	while ((n = strlen(tmp)) > 1 && tmp[n - 1] == '/')
		tmp[n - 1] = '\0';
	base = basename(tmp);
	snprintf(name, len, "%s", base);
	n = strlen(name);
	if (!is_dir && n > 5 && !strcmp(name + n - 5, ".gguf"))
		name[n - 5] = '\0';
}

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	cli_progress("load", done, total);
}

static int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	char path[4096], name[SLMQ_NAME_MAX] = "", msg[512], hex[65];
	enum val_verdict_state state;
	char verdict[16];
	const char *arg, *what;
	bool force = false;
	struct slmq_nl nl;
	struct stat st;
	uint8_t sha[32];
	double t0;
	size_t len;
	void *buf;
	int c, ret, i;

	while ((c = getopt_long(argc, argv, "n:f", opts, NULL)) != -1) {
		if (c == 'n')
			snprintf(name, sizeof(name), "%s", optarg);
		else if (c == 'f')
			force = true;
		else if (c != 'j')
			return cli_fail("usage: slmqctl load OUT_DIR|model.gguf [--name NAME] [--force] [--json]");
	}
	if (optind != argc - 1)
		return cli_fail("usage: slmqctl load OUT_DIR|model.gguf [--name NAME] [--force] [--json]");
	arg = argv[optind];
	if (stat(arg, &st))
		return cli_fail("%s: %s", arg, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		ret = find_gguf(arg, path, sizeof(path));
		if (ret)
			return cli_fail("%s: %s", arg, ret == -EEXIST ? "more than one .gguf file" :
					ret == -ENOENT ? "no .gguf file" : strerror(-ret));
	} else {
		snprintf(path, sizeof(path), "%s", arg);
	}
	if (!*name)
		default_name(arg, S_ISDIR(st.st_mode), name, sizeof(name));
	ret = cli_read_file(path, &buf, &len);
	if (ret)
		return cli_fail("%s: %s", path, strerror(-ret));
	/*
	 * Only the verdict decides here: a file that does not even parse is
	 * sent anyway, so the kernel's own validation says what is wrong.
	 */
	state = VAL_VERDICT_NONE;
	if (val_verdict_check_load(buf, len, force, &state, msg, sizeof(msg)) == -EPERM) {
		free(buf);
		return cli_fail("%s: %s", path, msg);
	}
	snprintf(verdict, sizeof(verdict), "%s", val_verdict_name(state));
	sha256(buf, len, sha);
	ret = slmq_nl_open(&nl);
	if (ret) {
		free(buf);
		return cli_fail("%s", nl.err);
	}
	t0 = cli_now();
	ret = slmq_nl_load(&nl, name, buf, len, sha, on_progress, NULL, &what);
	free(buf);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", nl.err);
		slmq_nl_close(&nl);	/* the kernel drops our staging copy with the socket */
		return cli_fail("load %s: %s: %s", name, what, msg);
	}
	slmq_nl_close(&nl);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sha[i]);
	if (cli_quiet) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "size", json_object_new_uint64(len));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		json_object_object_add(o, "verdict", json_object_new_string(verdict));
		json_object_object_add(o, "seconds", json_object_new_double(cli_now() - t0));
		cli_print_json(o);
	} else {
		printf("loaded %s: %zu bytes, sha256 %s, verdict %s\n", name, len, hex,
		       verdict);
	}
	return 0;
}

SLMQCTL_COMMAND("load", cmd_load, "OUT_DIR|model.gguf [--name NAME] [--force] [--json]",
		"push a model into slmq.ko over netlink (kernel validates it)");
