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
#include "kernel/nl_client.h"
#include "kernel/sha256.h"
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

static int send_begin(struct slmq_nl *nl, const char *name, size_t len, const uint8_t *sha)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_LOAD_BEGIN, 0);

	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name) ||
	    nla_put_u64(m, SLMQ_A_MODEL_SIZE, len) ||
	    nla_put(m, SLMQ_A_MODEL_SHA256, 32, sha))
		return -ENOMEM;
	return slmq_nl_call(nl, m, NULL, NULL);
}

static int send_name_cmd(struct slmq_nl *nl, uint8_t cmd, const char *name)
{
	struct nl_msg *m = slmq_nl_msg(nl, cmd, 0);

	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name))
		return -ENOMEM;
	return slmq_nl_call(nl, m, NULL, NULL);
}

static int send_chunks(struct slmq_nl *nl, const char *name, const uint8_t *buf, size_t len)
{
	size_t off, n;
	int ret;

	for (off = 0; off < len; off += n) {
		struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_LOAD_CHUNK, 0);

		n = len - off < SLMQ_CHUNK_MAX ? len - off : SLMQ_CHUNK_MAX;
		if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name) ||
		    nla_put_u64(m, SLMQ_A_MODEL_OFFSET, off) ||
		    nla_put(m, SLMQ_A_MODEL_DATA, n, buf + off))
			return -ENOMEM;
		ret = slmq_nl_call(nl, m, NULL, NULL);
		if (ret)
			return ret;
		cli_progress("load", off + n, len);
	}
	return 0;
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
	what = "load-begin";
	ret = send_begin(&nl, name, len, sha);
	if (!ret) {
		what = "load-chunk";
		ret = send_chunks(&nl, name, buf, len);
	}
	if (!ret) {
		what = "load-commit";
		ret = send_name_cmd(&nl, SLMQ_CMD_LOAD_COMMIT, name);
	}
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
