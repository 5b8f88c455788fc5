// SPDX-License-Identifier: GPL-2.0
/* Helpers of the slmq selftests (see slmq_lib.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "slmq_lib.h"
#include "netlink/sha256.h"
#include "../kmod/engine/model.h"
#include "cli.h"

int st_module_load(void)
{
	const char *dir = getenv("SLMQ_MODDIR");
	char path[512];
	int fd, ret;

	if (!access("/sys/module/slmq/initstate", F_OK))
		return 0;
	snprintf(path, sizeof(path), "%s/slmq.ko", dir ? dir : "/modules");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret ? -1 : 0;
}

int st_param_set(const char *param, const char *value)
{
	char path[256];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/sys/module/slmq/parameters/%s", param);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(value, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

long long st_sysfs_u64(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void *st_read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !(buf = malloc(st.st_size + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, st.st_size, f);
	fclose(f);
	if (*len != (size_t)st.st_size) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *st_data(const char *name)
{
	static char path[4][512];
	static int i;
	const char *dir = getenv("SLMQ_TESTDIR");

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/data/%s", dir ? dir : ".", name);
	return path[i];
}

int st_stage(struct slmq_nl *nl, const char *name, const void *buf, size_t len)
{
	uint8_t sha[32];

	sha256(buf, len, sha);
	return slmq_nl_stage(nl, name, buf, len, sha, NULL, NULL, NULL);
}

int st_load(struct slmq_nl *nl, const char *name, const void *buf, size_t len)
{
	uint8_t sha[32];

	sha256(buf, len, sha);
	return slmq_nl_load(nl, name, buf, len, sha, NULL, NULL, NULL);
}

/* A dump's logits span several messages: appended as they come. */
static int on_logits(const void *data, size_t len, void *arg)
{
	struct st_gen *g = arg;
	float *p = realloc(g->logits, g->logits_len * 4 + len);

	if (!p)
		return -ENOMEM;
	g->logits = p;
	memcpy((char *)p + g->logits_len * 4, data, len);
	g->logits_len += len / 4;
	return 0;
}

int st_generate(struct slmq_nl *nl, const char *name, struct st_gen *g)
{
	/* Logits come as a dump (several messages), as slmqctl asks for them. */
	struct slmq_nl_gen_req req = {
		.name = name, .prompt = g->prompt, .ids = g->ids, .n_ids = g->n_ids,
		.max_tokens = g->max_tokens, .want_logits = g->want_logits,
		.dump = g->want_logits && !g->no_dump, .logits = on_logits, .logits_arg = g,
	};
	struct slmq_nl_gen_reply r;
	int ret;

	g->n_tokens = 0;
	g->n_prompt = 0;
	g->logits = NULL;
	g->logits_len = 0;
	g->text[0] = '\0';
	ret = slmq_nl_generate(nl, &req, &r);
	if (ret)
		return ret;
	if (r.n_tokens > ST_GEN_MAX) {
		ret = -E2BIG;
		goto free_reply;
	}
	g->n_tokens = r.n_tokens;
	memcpy(g->tokens, r.tokens, r.n_tokens * 4);
	g->n_prompt = r.n_prompt_tokens;
	snprintf(g->text, sizeof(g->text), "%s", r.text);
	g->stop = r.stop;
free_reply:
	slmq_nl_gen_reply_free(&r);
	return ret;
}

uint32_t st_read_ids(const char *path, uint32_t *ids, uint32_t n)
{
	size_t len, i;
	unsigned char *p = st_read_file(path, &len);

	if (!p)
		return 0;
	for (i = 0; i < n && 2 * i + 1 < len; i++)
		ids[i] = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
	free(p);
	return (uint32_t)i;
}

static void *u_alloc(void *ctx, size_t size)
{
	void *p = aligned_alloc(64, (size + 63) / 64 * 64);

	if (p)
		memset(p, 0, size);
	return p;
}

static void u_free(void *ctx, void *p)
{
	free(p);
}

static const struct slmq_allocator u_allocator = { u_alloc, u_free, NULL };

int st_user_tokenize(const void *buf, size_t len, const char *text, uint32_t *ids,
		     uint32_t max)
{
	struct slmq_model m;
	struct slmq_err err;
	int n;

	if (slmq_model_load(&m, buf, len, &u_allocator, &err))
		return err.code;
	n = slmq_tokenize(&m.vocab, text, strlen(text), m.vocab.add_bos, ids, max, &u_allocator);
	slmq_model_release(&m, &u_allocator);
	return n;
}

/* The engine as slmqctl runs it: the same kernel choice (cpu.c), our allocator. */
static void user_env(struct slmq_env *env)
{
	memset(env, 0, sizeof(*env));
	env->alloc = &u_allocator;
	env->kernels = cli_kernels();
}

int st_user_generate(const void *buf, size_t len, const uint32_t *ids, uint32_t n_ids,
		     uint32_t max_tokens, uint32_t *tokens, uint32_t *n_tokens,
		     float **logits, uint32_t *n_vocab)
{
	struct slmq_session *s = NULL;
	struct slmq_sampler sp;
	struct slmq_model m;
	struct slmq_env env;
	struct slmq_err err;
	uint32_t i, tok;
	int ret;

	*n_tokens = 0;
	ret = slmq_model_load(&m, buf, len, &u_allocator, &err);
	if (ret)
		return ret;
	*n_vocab = m.hp.n_vocab;
	*logits = calloc((size_t)max_tokens * m.hp.n_vocab, sizeof(float));
	user_env(&env);
	s = slmq_session_new(&m, &env, 0, &err);
	if (!s || !*logits) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n_ids && !ret; i++)
		ret = slmq_session_eval(s, ids[i]);
	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 0);
	while (!ret && *n_tokens < max_tokens) {
		memcpy(*logits + (size_t)*n_tokens * m.hp.n_vocab, slmq_session_logits(s),
		       m.hp.n_vocab * sizeof(float));
		tok = slmq_sample(&sp, s);
		if (tok == m.vocab.eos_id)
			break;
		tokens[(*n_tokens)++] = tok;
		if (*n_tokens < max_tokens)
			ret = slmq_session_eval(s, tok);
	}
out:
	if (s)
		slmq_session_free(s);
	slmq_model_release(&m, &u_allocator);
	return ret;
}

/* Exactly eval_perplexity()'s window: a session of n_ctx = n, eval, nll_bits. */
int st_user_score(const void *buf, size_t len, const uint32_t *ids, uint32_t n,
		  uint32_t *nll)
{
	struct slmq_session *s;
	struct slmq_model m;
	struct slmq_env env;
	struct slmq_err err;
	uint32_t i;
	int ret;

	ret = slmq_model_load(&m, buf, len, &u_allocator, &err);
	if (ret)
		return ret;
	user_env(&env);
	s = slmq_session_new(&m, &env, n, &err);
	if (!s) {
		ret = -ENOMEM;
		goto release;
	}
	for (i = 0; i + 1 < n && !ret; i++) {
		ret = slmq_session_eval(s, ids[i]);
		if (!ret)
			nll[i] = slmq_session_nll_bits(s, ids[i + 1]);
	}
	slmq_session_free(s);
release:
	slmq_model_release(&m, &u_allocator);
	return ret;
}

size_t st_tensor0_type_off(const void *buf, size_t len)
{
	const struct slmq_gguf_tensor *t;
	struct slmq_gguf g;
	struct slmq_err err;
	size_t off;

	if (slmq_gguf_parse(&g, buf, len, &u_allocator, &err))
		return 0;
	t = &g.tensors[0];
	off = (size_t)((const char *)t->name.ptr - (const char *)buf) + t->name.len + 4 +
	      8 * t->n_dims;
	slmq_gguf_release(&g, &u_allocator);
	return off;
}

/* Drops CAP_NET_ADMIN from all sets of the calling process. */
int st_drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].inheritable &= ~(1u << (CAP_NET_ADMIN % 32));
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

long long st_mem_used(void)
{
	return st_sysfs_u64("/sys/kernel/slmq/memory_used");
}
