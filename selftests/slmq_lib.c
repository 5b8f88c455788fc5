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
#include "kernel/sha256.h"
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

int st_begin(struct slmq_nl *nl, const char *name, uint64_t size, const uint8_t *sha)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_LOAD_BEGIN, 0);

	if (!m || (name && nla_put_string(m, SLMQ_A_MODEL_NAME, name)) ||
	    nla_put_u64(m, SLMQ_A_MODEL_SIZE, size) ||
	    (sha && nla_put(m, SLMQ_A_MODEL_SHA256, 32, sha)))
		return -ENOMEM;
	return slmq_nl_call(nl, m, NULL, NULL);
}

int st_chunk(struct slmq_nl *nl, const char *name, uint64_t off, const void *data, size_t len)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_LOAD_CHUNK, 0);

	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name) ||
	    nla_put_u64(m, SLMQ_A_MODEL_OFFSET, off) || nla_put(m, SLMQ_A_MODEL_DATA, len, data))
		return -ENOMEM;
	return slmq_nl_call(nl, m, NULL, NULL);
}

int st_name_cmd(struct slmq_nl *nl, uint8_t cmd, const char *name)
{
	struct nl_msg *m = slmq_nl_msg(nl, cmd, 0);

	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name))
		return -ENOMEM;
	return slmq_nl_call(nl, m, NULL, NULL);
}

int st_stage(struct slmq_nl *nl, const char *name, const void *buf, size_t len)
{
	uint8_t sha[32];
	size_t off, n;
	int ret;

	sha256(buf, len, sha);
	ret = st_begin(nl, name, len, sha);
	for (off = 0; !ret && off < len; off += n) {
		n = len - off < SLMQ_CHUNK_MAX ? len - off : SLMQ_CHUNK_MAX;
		ret = st_chunk(nl, name, off, (const char *)buf + off, n);
	}
	return ret;
}

int st_load(struct slmq_nl *nl, const char *name, const void *buf, size_t len)
{
	int ret = st_stage(nl, name, buf, len);

	return ret ? ret : st_name_cmd(nl, SLMQ_CMD_LOAD_COMMIT, name);
}

static int on_get(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct st_model *m = arg;
	struct nlattr *st[SLMQ_A_STATS_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (tb[SLMQ_A_MODEL_SIZE])
		m->size = nla_get_u64(tb[SLMQ_A_MODEL_SIZE]);
	if (tb[SLMQ_A_MODEL_SHA256])
		memcpy(m->sha256, nla_data(tb[SLMQ_A_MODEL_SHA256]), 32);
	if (tb[SLMQ_A_MODEL_N_PARAMS])
		m->n_params = nla_get_u64(tb[SLMQ_A_MODEL_N_PARAMS]);
	if (tb[SLMQ_A_MODEL_N_VOCAB])
		m->n_vocab = nla_get_u32(tb[SLMQ_A_MODEL_N_VOCAB]);
	if (tb[SLMQ_A_MODEL_VERDICT])
		snprintf(m->verdict, sizeof(m->verdict), "%s", nla_get_string(tb[SLMQ_A_MODEL_VERDICT]));
	if (tb[SLMQ_A_MODEL_STATS] &&
	    !nla_parse_nested(st, SLMQ_A_STATS_MAX, tb[SLMQ_A_MODEL_STATS], NULL)) {
		m->requests = st[SLMQ_A_STATS_REQUESTS] ? nla_get_u64(st[SLMQ_A_STATS_REQUESTS]) : 0;
		m->tokens = st[SLMQ_A_STATS_TOKENS] ? nla_get_u64(st[SLMQ_A_STATS_TOKENS]) : 0;
		m->errors = st[SLMQ_A_STATS_ERRORS] ? nla_get_u64(st[SLMQ_A_STATS_ERRORS]) : 0;
	}
	return 0;
}

int st_get(struct slmq_nl *nl, const char *name, struct st_model *m)
{
	struct nl_msg *msg = slmq_nl_msg(nl, SLMQ_CMD_MODEL_GET, 0);

	if (!msg || nla_put_string(msg, SLMQ_A_MODEL_NAME, name))
		return -ENOMEM;
	return slmq_nl_call(nl, msg, on_get, m);
}

static int on_gen(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct st_gen *g = arg;
	struct nlattr *a;
	size_t n = g->logits_len;	/* a dump's logits span several messages */
	int rem;

	if (tb[SLMQ_A_MODEL_N_PROMPT_TOKENS])
		g->n_prompt = nla_get_u32(tb[SLMQ_A_MODEL_N_PROMPT_TOKENS]);
	if (tb[SLMQ_A_MODEL_TOKENS]) {
		g->n_tokens = nla_len(tb[SLMQ_A_MODEL_TOKENS]) / 4;
		if (g->n_tokens > ST_GEN_MAX)
			return -E2BIG;
		memcpy(g->tokens, nla_data(tb[SLMQ_A_MODEL_TOKENS]), g->n_tokens * 4);
	}
	if (tb[SLMQ_A_MODEL_TEXT])
		snprintf(g->text, sizeof(g->text), "%s", nla_get_string(tb[SLMQ_A_MODEL_TEXT]));
	if (tb[SLMQ_A_MODEL_STOP])
		g->stop = nla_get_u32(tb[SLMQ_A_MODEL_STOP]);
	nla_for_each_attr(a, head, len, rem) {
		float *p;

		if (nla_type(a) != SLMQ_A_MODEL_LOGITS)
			continue;
		p = realloc(g->logits, n * 4 + nla_len(a));
		if (!p)
			return -ENOMEM;
		g->logits = p;
		memcpy((char *)p + n * 4, nla_data(a), nla_len(a));
		n += nla_len(a) / 4;
	}
	g->logits_len = n;
	return 0;
}

int st_generate(struct slmq_nl *nl, const char *name, struct st_gen *g)
{
	/* Logits come as a dump (several messages), as slmqctl asks for them. */
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_GENERATE,
				       g->want_logits && !g->no_dump ? NLM_F_DUMP : 0);

	g->n_tokens = 0;
	g->n_prompt = 0;
	g->logits = NULL;
	g->logits_len = 0;
	g->text[0] = '\0';
	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name) ||
	    (g->prompt && nla_put_string(m, SLMQ_A_MODEL_PROMPT, g->prompt)) ||
	    (g->ids && nla_put(m, SLMQ_A_MODEL_PROMPT_TOKENS, g->n_ids * 4, g->ids)) ||
	    (g->max_tokens && nla_put_u32(m, SLMQ_A_MODEL_MAX_TOKENS, g->max_tokens)) ||
	    (g->want_logits && nla_put_flag(m, SLMQ_A_MODEL_WANT_LOGITS)))
		return -ENOMEM;
	return slmq_nl_call(nl, m, on_gen, g);
}

struct st_score_ctx {
	uint32_t *nll;
	uint32_t want;
	bool got;
	bool bad;
};

static int on_score(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct st_score_ctx *c = arg;
	struct nlattr *a = tb[SLMQ_A_MODEL_NLL];

	c->got = true;
	c->bad = !a || (size_t)nla_len(a) != (size_t)c->want * 4 ||
		 !tb[SLMQ_A_MODEL_N_PROMPT_TOKENS] ||
		 nla_get_u32(tb[SLMQ_A_MODEL_N_PROMPT_TOKENS]) != c->want + 1;
	if (!c->bad)
		memcpy(c->nll, nla_data(a), (size_t)c->want * 4);
	return 0;
}

int st_score(struct slmq_nl *nl, const char *name, const uint32_t *ids, uint32_t n,
	     uint32_t *nll)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_SCORE, 0);
	struct st_score_ctx c = { .nll = nll, .want = n ? n - 1 : 0 };
	int ret;

	if (!m || (name && nla_put_string(m, SLMQ_A_MODEL_NAME, name)) ||
	    (ids && nla_put(m, SLMQ_A_MODEL_PROMPT_TOKENS, n * 4, ids)))
		return -ENOMEM;
	ret = slmq_nl_call(nl, m, on_score, &c);
	if (!ret && (!c.got || c.bad)) {
		snprintf(nl->err, sizeof(nl->err), "score reply missing or of the wrong length");
		ret = -EPROTO;
	}
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
