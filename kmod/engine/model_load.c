// SPDX-License-Identifier: GPL-2.0
/*
 * From a validated GGUF to a runnable model: llama.cpp's "llama"
 * architecture keys and tensor names, every shape and type checked, so the
 * forward pass can trust the struct.  No floating point here: float
 * hyper-parameters stay IEEE bits.
 */
#include "compat.h"
#include "model.h"

#define F32_BITS_10000 0x461c4000u	/* default rope.freq_base */
#define F32_BITS_ONE 0x3f800000u
#define F32_BITS_0_1 0x3dcccccdu	/* 0.1f: no model's rms epsilon is near it */
#define F32_BITS_INF 0x7f800000u

struct loader {
	struct slmq_model *m;
	struct slmq_err *err;
	u64 matched;		/* tensors claimed so far */
};

/*
 * A u32 hyper-parameter "llama." + name, never 0.  When absent it is an
 * error if required, otherwise *out keeps its default.
 */
static int get_u32(const struct slmq_gguf *g, const char *name, u32 *out,
		   bool required, struct slmq_err *err)
{
	char key[96];
	int ret;

	snprintf(key, sizeof(key), "llama.%s", name);
	ret = slmq_gguf_get_u32(g, key, out, err);
	if (ret == -ENOENT)
		return required ?
		       slmq_fail(err, -EINVAL, "model: missing key %s", key) : 0;
	if (ret)
		return ret;
	if (!*out)
		return slmq_fail(err, -EINVAL, "model: %s must not be 0", key);
	return 0;
}

static int need_u32(const struct slmq_gguf *g, const char *name, u32 *out,
		    struct slmq_err *err)
{
	return get_u32(g, name, out, true, err);
}

static int want_u32(const struct slmq_gguf *g, const char *name, u32 *out,
		    struct slmq_err *err)
{
	return get_u32(g, name, out, false, err);
}

static int check_arch(const struct slmq_gguf *g, struct slmq_err *err)
{
	struct slmq_gguf_str arch;
	int ret;

	ret = slmq_gguf_get_str(g, "general.architecture", &arch, err);
	if (ret == -ENOENT)
		return slmq_fail(err, -EINVAL,
				 "model: missing key general.architecture");
	if (ret)
		return ret;
	if (!slmq_gguf_str_eq(arch, "llama"))
		return slmq_fail(err, -EINVAL,
				 "model: architecture '%.*s' is not supported (only llama)",
				 (int)min_t(u64, arch.len, 64), arch.ptr);
	return 0;
}

/*
 * Without floating point: the bits of positive floats order like their
 * values, and every negative, infinite or NaN pattern compares above the
 * bits of any positive finite float, so one unsigned range test each.
 * eps must be > 0 (a zero vector would normalise to 0/0) and small; theta
 * must be > 1 (theta^(-2i/d) is then a decreasing frequency; 1e-30 gives
 * angles of 1e30 radians, i.e. noise) and finite.
 */
static int check_floats(const struct slmq_hparams *hp, struct slmq_err *err)
{
	if (!hp->rms_eps_bits || hp->rms_eps_bits > F32_BITS_0_1)
		return slmq_fail(err, -EINVAL,
				 "model: llama.attention.layer_norm_rms_epsilon (bits 0x%08x) must be finite, > 0 and <= 0.1",
				 hp->rms_eps_bits);
	if (hp->rope_theta_bits <= F32_BITS_ONE ||
	    hp->rope_theta_bits >= F32_BITS_INF)
		return slmq_fail(err, -EINVAL,
				 "model: llama.rope.freq_base (bits 0x%08x) must be finite and > 1",
				 hp->rope_theta_bits);
	return 0;
}

static int too_wide(struct slmq_err *err, const char *what, u64 v)
{
	return slmq_fail(err, -EINVAL,
			 "model: %s = %llu exceeds the engine's limit of %u",
			 what, (unsigned long long)v, SLMQ_MAX_WIDTH);
}

/*
 * The one statement of the shapes the engine runs (limits in model.h).
 * Products are formed in 64 bits here: in 32, n_head 65537 x head_dim 65536
 * wraps to 65536, the tensors of that width load, and RoPE and attention
 * then loop over 65537 heads of a 65536-float buffer.  Below the limits
 * every 32-bit product the forward pass forms is exact.
 */
static int check_shapes(const struct slmq_hparams *hp, struct slmq_err *err)
{
	u64 q_dim = (u64)hp->n_head * hp->head_dim;
	u64 kv_dim = (u64)hp->n_head_kv * hp->head_dim;

	if (hp->n_layer > SLMQ_MAX_LAYERS)
		return slmq_fail(err, -EINVAL,
				 "model: llama.block_count %u exceeds the engine's limit of %u",
				 hp->n_layer, SLMQ_MAX_LAYERS);
	if (hp->n_embd > SLMQ_MAX_WIDTH)
		return too_wide(err, "llama.embedding_length", hp->n_embd);
	if (hp->n_ff > SLMQ_MAX_WIDTH)
		return too_wide(err, "llama.feed_forward_length", hp->n_ff);
	if (q_dim > SLMQ_MAX_WIDTH)
		return slmq_fail(err, -EINVAL,
				 "model: llama.attention.head_count %u x head dimension %u = %llu exceeds the engine's limit of %u",
				 hp->n_head, hp->head_dim,
				 (unsigned long long)q_dim, SLMQ_MAX_WIDTH);
	if (kv_dim > SLMQ_MAX_WIDTH)
		return slmq_fail(err, -EINVAL,
				 "model: llama.attention.head_count_kv %u x head dimension %u = %llu exceeds the engine's limit of %u",
				 hp->n_head_kv, hp->head_dim,
				 (unsigned long long)kv_dim, SLMQ_MAX_WIDTH);
	if (hp->head_dim > SLMQ_MAX_HEAD_DIM)
		return slmq_fail(err, -EINVAL,
				 "model: head dimension (llama.attention.key_length) %u exceeds the engine's limit of %u",
				 hp->head_dim, SLMQ_MAX_HEAD_DIM);
	return 0;
}

static int read_hparams(const struct slmq_gguf *g, struct slmq_hparams *hp,
			struct slmq_err *err)
{
	u32 rope_dims, value_dim;
	int ret;

	ret = need_u32(g, "embedding_length", &hp->n_embd, err);
	ret = ret ?: need_u32(g, "block_count", &hp->n_layer, err);
	ret = ret ?: need_u32(g, "feed_forward_length", &hp->n_ff, err);
	ret = ret ?: need_u32(g, "attention.head_count", &hp->n_head, err);
	ret = ret ?: need_u32(g, "context_length", &hp->n_ctx_train, err);
	if (ret)
		return ret;
	hp->n_head_kv = hp->n_head;
	ret = want_u32(g, "attention.head_count_kv", &hp->n_head_kv, err);
	if (ret)
		return ret;
	if (hp->n_head % hp->n_head_kv)
		return slmq_fail(err, -EINVAL,
				 "model: %u heads are not a multiple of %u KV heads",
				 hp->n_head, hp->n_head_kv);
	hp->head_dim = hp->n_embd / hp->n_head;
	if (hp->n_embd % hp->n_head)
		hp->head_dim = 0;
	ret = want_u32(g, "attention.key_length", &hp->head_dim, err);
	if (ret)
		return ret;
	if (!hp->head_dim || hp->head_dim % 2)
		return slmq_fail(err, -EINVAL,
				 "model: head dimension %u must be even and non-zero",
				 hp->head_dim);
	rope_dims = hp->head_dim;
	ret = want_u32(g, "rope.dimension_count", &rope_dims, err);
	if (ret)
		return ret;
	if (rope_dims != hp->head_dim)
		return slmq_fail(err, -EINVAL,
				 "model: llama.rope.dimension_count %u != head dimension %u (partial RoPE is not supported)",
				 rope_dims, hp->head_dim);
	/* attention reads values with the keys' head_dim: the cache has one width */
	value_dim = hp->head_dim;
	ret = want_u32(g, "attention.value_length", &value_dim, err);
	if (ret)
		return ret;
	if (value_dim != hp->head_dim)
		return slmq_fail(err, -EINVAL,
				 "model: llama.attention.value_length %u != key length %u (not supported)",
				 value_dim, hp->head_dim);
	ret = slmq_gguf_get_f32_bits(g, "llama.attention.layer_norm_rms_epsilon",
				     &hp->rms_eps_bits, err);
	if (ret == -ENOENT)
		return slmq_fail(err, -EINVAL,
				 "model: missing key llama.attention.layer_norm_rms_epsilon");
	if (ret)
		return ret;
	hp->rope_theta_bits = F32_BITS_10000;
	ret = slmq_gguf_get_f32_bits(g, "llama.rope.freq_base",
				     &hp->rope_theta_bits, err);
	if (ret && ret != -ENOENT)
		return ret;
	return check_floats(hp, err) ?: check_shapes(hp, err);
}

static const char *shape_str(char *buf, size_t len, u64 ne0, u64 ne1)
{
	if (ne1)
		snprintf(buf, len, "[%llu, %llu]", (unsigned long long)ne0,
			 (unsigned long long)ne1);
	else
		snprintf(buf, len, "[%llu]", (unsigned long long)ne0);
	return buf;
}

/*
 * Claim tensor name with shape [ne0] (ne1 == 0) or [ne0, ne1].  f32_only for
 * norms.  optional: absence leaves t->data NULL and is not an error.
 */
static int map_tensor(struct loader *ld, const char *name, u32 ne0, u32 ne1,
		      bool f32_only, bool optional, struct slmq_tensor *t)
{
	const struct slmq_gguf_tensor *gt = slmq_gguf_find_tensor(&ld->m->gguf, name);
	u32 want_dims = ne1 ? 2 : 1;
	char got[48], want[48];
	u32 d;

	if (!gt) {
		if (optional)
			return 0;
		return slmq_fail(ld->err, -EINVAL, "model: missing tensor %s", name);
	}
	for (d = want_dims; d < SLMQ_GGUF_MAX_DIMS; d++)
		if (gt->ne[d] != 1)
			return slmq_fail(ld->err, -EINVAL,
					 "tensor %s: %u dimensions, expected %u",
					 name, gt->n_dims, want_dims);
	if (gt->ne[0] != ne0 || (ne1 && gt->ne[1] != ne1) ||
	    (!ne1 && gt->ne[1] != 1))
		return slmq_fail(ld->err, -EINVAL, "tensor %s: shape %s, expected %s",
				 name,
				 shape_str(got, sizeof(got), gt->ne[0],
					   ne1 || gt->ne[1] != 1 ? gt->ne[1] : 0),
				 shape_str(want, sizeof(want), ne0, ne1));
	if (!slmq_type_name(gt->type) || !slmq_row_bytes(gt->type, ne0))
		return slmq_fail(ld->err, -EINVAL,
				 "tensor %s: type %u cannot hold rows of %u",
				 name, gt->type, ne0);
	if (f32_only && gt->type != SLMQ_TYPE_F32)
		return slmq_fail(ld->err, -EINVAL, "tensor %s: type %s, expected f32",
				 name, slmq_type_name(gt->type));
	if (gt->nbytes != slmq_row_bytes(gt->type, ne0) * (ne1 ? ne1 : 1))
		return slmq_fail(ld->err, -EINVAL, "tensor %s: %llu bytes, expected %llu",
				 name, (unsigned long long)gt->nbytes,
				 (unsigned long long)(slmq_row_bytes(gt->type, ne0) *
						      (ne1 ? ne1 : 1)));
	t->type = gt->type;
	t->ne0 = ne0;
	t->ne1 = ne1 ? ne1 : 1;
	t->data = gt->data;
	t->nbytes = gt->nbytes;
	ld->matched++;
	ld->m->n_params += (u64)t->ne0 * t->ne1;
	ld->m->weight_bytes += t->nbytes;
	return 0;
}

/* The per-layer tensors: llama.cpp name part, shape and where they go. */
enum dim { D_EMBD, D_Q, D_KV, D_FF, D_NONE };

struct layer_tensor {
	const char *part;
	enum dim ne0, ne1;
	size_t field;		/* offset in struct slmq_layer */
};

static const struct layer_tensor layer_tensors[] = {
	{ "attn_norm", D_EMBD, D_NONE, offsetof(struct slmq_layer, attn_norm) },
	{ "attn_q", D_EMBD, D_Q, offsetof(struct slmq_layer, wq) },
	{ "attn_k", D_EMBD, D_KV, offsetof(struct slmq_layer, wk) },
	{ "attn_v", D_EMBD, D_KV, offsetof(struct slmq_layer, wv) },
	{ "attn_output", D_Q, D_EMBD, offsetof(struct slmq_layer, wo) },
	{ "ffn_norm", D_EMBD, D_NONE, offsetof(struct slmq_layer, ffn_norm) },
	{ "ffn_gate", D_EMBD, D_FF, offsetof(struct slmq_layer, w_gate) },
	{ "ffn_up", D_EMBD, D_FF, offsetof(struct slmq_layer, w_up) },
	{ "ffn_down", D_FF, D_EMBD, offsetof(struct slmq_layer, w_down) },
};

static u32 dim_size(const struct slmq_hparams *hp, enum dim d)
{
	switch (d) {
	case D_EMBD:
		return hp->n_embd;
	case D_Q:	/* exact: check_shapes() bounded both products */
		return hp->n_head * hp->head_dim;
	case D_KV:
		return hp->n_head_kv * hp->head_dim;
	case D_FF:
		return hp->n_ff;
	default:
		return 0;
	}
}

static int map_layer(struct loader *ld, u32 i, struct slmq_layer *L)
{
	const struct slmq_hparams *hp = &ld->m->hp;
	char n[64];
	size_t k;
	int ret;

	for (k = 0; k < ARRAY_SIZE(layer_tensors); k++) {
		const struct layer_tensor *lt = &layer_tensors[k];

		snprintf(n, sizeof(n), "blk.%u.%s.weight", i, lt->part);
		/* norms are the 1-D ones and must be F32 */
		ret = map_tensor(ld, n, dim_size(hp, lt->ne0), dim_size(hp, lt->ne1),
				 lt->ne1 == D_NONE, false,
				 (struct slmq_tensor *)((u8 *)L + lt->field));
		if (ret)
			return ret;
	}
	return 0;
}

/* Every tensor in the file must be one the model uses (llama.cpp is as strict). */
static int check_all_claimed(struct loader *ld)
{
	const struct slmq_gguf *g = &ld->m->gguf;
	u64 i;
	u32 l;

	if (ld->matched == g->n_tensors)
		return 0;
	for (i = 0; i < g->n_tensors; i++) {
		const struct slmq_gguf_tensor *t = &g->tensors[i];
		bool known = slmq_gguf_str_eq(t->name, "token_embd.weight") ||
			     slmq_gguf_str_eq(t->name, "output_norm.weight") ||
			     slmq_gguf_str_eq(t->name, "output.weight");

		for (l = 0; !known && l < ld->m->hp.n_layer; l++) {
			char pre[32];
			int pl = snprintf(pre, sizeof(pre), "blk.%u.", l);

			known = t->name.len > (u64)pl &&
				!memcmp(t->name.ptr, pre, pl);
		}
		if (!known)
			return slmq_fail(ld->err, -EINVAL,
					 "model: unexpected tensor %.*s",
					 (int)min_t(u64, t->name.len, 96), t->name.ptr);
	}
	return slmq_fail(ld->err, -EINVAL,
			 "model: %llu tensors in the file, %llu used (unexpected per-layer tensors)",
			 (unsigned long long)g->n_tensors,
			 (unsigned long long)ld->matched);
}

static bool f16_finite_at(const u8 *p)
{
	u16 h;

	memcpy(&h, p, sizeof(h));
	return (h & 0x7c00) != 0x7c00;
}

/* Index of the first non-finite value, or n. */
static u64 first_nonfinite(const struct slmq_gguf_tensor *t, u64 *n)
{
	u64 bs = slmq_row_bytes(t->type, SLMQ_QK), i;
	const u8 *p = t->data;
	u32 u;

	if (t->type == SLMQ_TYPE_F32) {
		*n = t->nbytes / 4;
		for (i = 0; i < *n; i++) {
			memcpy(&u, p + 4 * i, sizeof(u));
			if ((u & F32_BITS_INF) == F32_BITS_INF)
				return i;
		}
		return i;
	}
	if (t->type == SLMQ_TYPE_F16) {
		*n = t->nbytes / 2;
		for (i = 0; i < *n && f16_finite_at(p + 2 * i); i++)
			;
		return i;
	}
	/* a block's quants are integers: only its scale d (and Q4_1's min m) */
	*n = t->nbytes / bs;
	for (i = 0; i < *n; i++)
		if (!f16_finite_at(p + i * bs) ||
		    (t->type == SLMQ_TYPE_Q4_1 && !f16_finite_at(p + i * bs + 2)))
			return i;
	return i;
}

/*
 * One NaN or Inf weight makes every later logit NaN: generate prints
 * garbage, perplexity -nan, and the kernel serves token 0 forever.  One
 * pass over the weights at load finds them with integer tests on the bits
 * (no FPU: this file must not touch a float), reading block types' 2-byte
 * scales only, so it costs less than the checksum the load already does;
 * afterwards only overflow inside the forward pass can make a value
 * non-finite, and the callers check the results they report.
 */
static int check_finite(const struct slmq_gguf *g, struct slmq_err *err)
{
	u64 i, bad, n;

	for (i = 0; i < g->n_tensors; i++) {
		const struct slmq_gguf_tensor *t = &g->tensors[i];

		bad = first_nonfinite(t, &n);
		if (bad < n)
			return slmq_fail(err, -EINVAL,
					 "tensor %.*s: %s %llu is NaN or infinite",
					 (int)min_t(u64, t->name.len, 96), t->name.ptr,
					 t->type == SLMQ_TYPE_F32 || t->type == SLMQ_TYPE_F16 ?
					 "element" : "scale of block",
					 (unsigned long long)bad);
		slmq_cond_resched();
	}
	return 0;
}

static int map_tensors(struct loader *ld)
{
	struct slmq_model *m = ld->m;
	const struct slmq_gguf_tensor *emb;
	u32 i, vocab;
	int ret;

	emb = slmq_gguf_find_tensor(&m->gguf, "token_embd.weight");
	if (!emb)
		return slmq_fail(ld->err, -EINVAL, "model: missing tensor token_embd.weight");
	if (!emb->ne[1] || emb->ne[1] > SLMQ_MAX_VOCAB)
		return slmq_fail(ld->err, -EINVAL,
				 "tensor token_embd.weight: vocabulary size %llu is not in 1..%u",
				 (unsigned long long)emb->ne[1], SLMQ_MAX_VOCAB);
	m->hp.n_vocab = (u32)emb->ne[1];
	vocab = m->hp.n_vocab;
	ret = want_u32(&m->gguf, "vocab_size", &vocab, ld->err);
	if (ret)
		return ret;
	if (vocab != m->hp.n_vocab)
		return slmq_fail(ld->err, -EINVAL,
				 "model: llama.vocab_size %u != token_embd.weight rows %u",
				 vocab, m->hp.n_vocab);
	ret = map_tensor(ld, "token_embd.weight", m->hp.n_embd, m->hp.n_vocab,
			 false, false, &m->tok_embd);
	ret = ret ?: map_tensor(ld, "output_norm.weight", m->hp.n_embd, 0, true,
				false, &m->output_norm);
	ret = ret ?: map_tensor(ld, "output.weight", m->hp.n_embd, m->hp.n_vocab,
				false, true, &m->output);
	if (ret)
		return ret;
	if (!m->output.data)	/* tied embeddings */
		m->output = m->tok_embd;
	for (i = 0; i < m->hp.n_layer; i++) {
		ret = map_layer(ld, i, &m->layers[i]);
		if (ret)
			return ret;
	}
	return check_all_claimed(ld);
}

/**
 * slmq_model_load() - build a model from a GGUF buffer.
 * @m: model to fill (zeroed by this function)
 * @buf: GGUF bytes; must outlive the model
 * @len: bytes in buf
 * @a: allocator for the tensor tables and the vocabulary
 * @err: one line naming the first problem found
 *
 * Checks the architecture (llama), the hyper-parameters, every tensor's name,
 * type and shape, and loads the tokenizer.
 *
 * Return: 0 or a negative errno.
 */
int slmq_model_load(struct slmq_model *m, const void *buf, u64 len,
		    const struct slmq_allocator *a, struct slmq_err *err)
{
	struct loader ld = { .m = m, .err = err };
	int ret;

	memset(m, 0, sizeof(*m));
	ret = slmq_gguf_parse(&m->gguf, buf, len, a, err);
	if (ret)
		return ret;
	ret = check_arch(&m->gguf, err);
	ret = ret ?: read_hparams(&m->gguf, &m->hp, err);
	if (ret)
		goto release_gguf;
	m->layers = slmq_alloc_array(a, m->hp.n_layer, sizeof(*m->layers));
	if (!m->layers) {
		ret = slmq_fail(err, -ENOMEM, "model: out of memory");
		goto release_gguf;
	}
	ret = map_tensors(&ld);
	ret = ret ?: check_finite(&m->gguf, err);
	if (ret)
		goto free_layers;
	ret = slmq_vocab_load(&m->vocab, &m->gguf, a, err);
	if (ret)
		goto free_layers;
	if (m->vocab.n_tokens != m->hp.n_vocab) {
		ret = slmq_fail(err, -EINVAL,
				"model: tokenizer has %u tokens, token_embd.weight %u rows",
				m->vocab.n_tokens, m->hp.n_vocab);
		goto release_vocab;
	}
	return 0;

release_vocab:
	slmq_vocab_release(&m->vocab, a);
free_layers:
	slmq_free(a, m->layers);
	m->layers = NULL;
release_gguf:
	slmq_gguf_release(&m->gguf, a);
	return ret;
}

/**
 * slmq_model_release() - free what slmq_model_load() allocated.
 * @m: model
 * @a: the allocator given to slmq_model_load()
 */
void slmq_model_release(struct slmq_model *m, const struct slmq_allocator *a)
{
	slmq_vocab_release(&m->vocab, a);
	slmq_free(a, m->layers);
	m->layers = NULL;
	slmq_gguf_release(&m->gguf, a);
}

/**
 * slmq_model_open() - load a model and prepare it as the flags say.
 * @m: the model
 * @buf: the GGUF image (writable when interleaving); must outlive @m
 * @len: its length
 * @flags: SLMQ_OPEN_* (model.h)
 * @a: allocator
 * @err: error report
 *
 * One call instead of load-then-interleave, so no caller can read the
 * buffer as a GGUF after it was rearranged.
 *
 * Return: 0, or a negative errno with @err set and @m released.
 */
int slmq_model_open(struct slmq_model *m, void *buf, u64 len, u32 flags,
		    const struct slmq_allocator *a, struct slmq_err *err)
{
	int ret = slmq_model_load(m, buf, len, a, err);

	if (ret || !(flags & SLMQ_OPEN_INTERLEAVE))
		return ret;
	ret = slmq_model_interleave(m, a, err);
	if (ret)
		slmq_model_release(m, a);
	return ret;
}
