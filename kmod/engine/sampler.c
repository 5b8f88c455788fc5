// SPDX-License-Identifier: GPL-2.0
/*
 * Token sampling: greedy, or temperature with optional top-k and top-p, from
 * a seeded xorshift64* generator kept in struct slmq_sampler, so the same
 * seed gives the same tokens in the kernel and in userspace.
 *
 * A vocabulary can have millions of entries: every loop over it spends its
 * work (slmq_session_spend()) every SAMPLE_CHUNK entries, so the FPU
 * section ends and another begins within the budget.  A sample cannot fail,
 * so a signal seen there is left for the next slmq_session_eval().
 */
#include "compat.h"
#include "fbits.h"
#include "mathf.h"
#include "model.h"
#include "session.h"

/* splitmix64: spreads any seed (0 included) over the state space. */
static u64 mix_seed(u64 z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/**
 * slmq_sampler_init() - set up a sampler.
 * @sp: sampler
 * @temp_bits: temperature as IEEE single bits; 0 (or <= 0) means greedy
 * @top_k: keep the k most likely tokens (0: all)
 * @top_p_bits: nucleus mass as IEEE single bits in (0, 1] (1: all)
 * @seed: RNG seed; equal seeds give equal samples
 */
void slmq_sampler_init(struct slmq_sampler *sp, u32 temp_bits, u32 top_k,
		       u32 top_p_bits, u64 seed)
{
	sp->temp_bits = temp_bits;
	sp->top_k = top_k;
	sp->top_p_bits = top_p_bits;
	sp->rng = mix_seed(seed);
	if (!sp->rng)
		sp->rng = 0x853c49e6748fea9bull;
}

static u64 xorshift64s(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, 1) with 24 random bits. */
static float uniform(u64 *state)
{
	return (float)(u32)(xorshift64s(state) >> 40) * (1.0f / 16777216.0f);
}

#define SAMPLE_CHUNK (1u << 14)	/* entries between two chances to end the section */

/* Work accounting when there is a session (slmq_argmax() has none). */
static void spend(struct slmq_session *s, u64 n)
{
	if (s)
		slmq_session_spend(s, n);
}

static u32 argmax_scalar(struct slmq_session *s, const float *x, u32 n)
{
	u32 i, best = 0;

	for (i = 1; i < n; i++) {
		if (x[i] > x[best])
			best = i;
		if (!(i % SAMPLE_CHUNK))
			spend(s, SAMPLE_CHUNK);
	}
	return best;
}

typedef float v4sf __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));

static inline v4sf load_v4sf(const float *p)
{
	v4sf v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* SSE's maxps (v > m ? v : m, lane by lane) and movmskps; portable elsewhere. */
static inline v4sf max4(v4sf v, v4sf m)
{
#ifdef __SSE__
	return __builtin_ia32_maxps(v, m);
#else
	v4si gt = v > m;

	return (v4sf)(((v4si)v & gt) | ((v4si)m & ~gt));
#endif
}

static inline int mask4(v4si eq)
{
#ifdef __SSE__
	return __builtin_ia32_movmskps((v4sf)eq);
#else
	return (eq[0] & 1) | (eq[1] & 2) | (eq[2] & 4) | (eq[3] & 8);
#endif
}

/*
 * argmax_scalar()'s answer, four lanes at a time (SSE on x86, generic vectors elsewhere):
 * without NaNs that is the lowest index holding max(x) (+0 and -0 compare
 * equal both ways); with a NaN, leave it to the scalar rule.
 */
static u32 argmax(struct slmq_session *s, const float *x, u32 n)
{
	v4sf m;
	v4si nan = { 0, 0, 0, 0 };
	float best;
	u32 i;

	if (n < 4)
		return argmax_scalar(s, x, n);
	m = load_v4sf(x);
	for (i = 0; i + 4 <= n; i += 4) {
		v4sf v = load_v4sf(x + i);

		nan |= v != v;
		m = max4(v, m);
		if (!((i + 4) % SAMPLE_CHUNK))
			spend(s, SAMPLE_CHUNK);
	}
	for (; i < n; i++) {
		nan[0] |= -(x[i] != x[i]);
		if (x[i] > m[0])
			m[0] = x[i];
	}
	if (nan[0] | nan[1] | nan[2] | nan[3])
		return argmax_scalar(s, x, n);
	best = m[0];
	for (i = 1; i < 4; i++)
		if (m[i] > best)
			best = m[i];
	for (i = 0; i + 4 <= n; i += 4) {
		v4si eq = load_v4sf(x + i) == best;
		int mask = mask4(eq);

		if (mask)
			return i + __builtin_ctz(mask);
		if (!((i + 4) % SAMPLE_CHUNK))
			spend(s, SAMPLE_CHUNK);
	}
	for (; i < n; i++)
		if (x[i] == best)
			return i;
	return 0;
}

/**
 * slmq_argmax() - the first index of the largest value (greedy decoding).
 * @x: n values (logits)
 * @n: count, > 0
 *
 * The sampler's rule, outside a session (no work accounting).  FPU code.
 *
 * Return: the index.
 */
u32 slmq_argmax(const float *x, u32 n)
{
	return argmax(NULL, x, n);
}

/* Candidate a ranks below b: lower logit, or equal logit and higher id. */
static inline bool worse(const float *lg, u32 a, u32 b)
{
	return lg[a] < lg[b] || (lg[a] == lg[b] && a > b);
}

/* Sift down in a heap whose root is the worst candidate. */
static void sift_worst(u32 *h, u32 n, u32 i, const float *lg)
{
	for (;;) {
		u32 c = 2 * i + 1, t;

		if (c >= n)
			return;
		if (c + 1 < n && worse(lg, h[c + 1], h[c]))
			c++;
		if (!worse(lg, h[c], h[i]))
			return;
		t = h[c];
		h[c] = h[i];
		h[i] = t;
		i = c;
	}
}

/*
 * Put the k best ids (of n) in cand[0..k), best first: a heap of the k best
 * seen so far with the worst at the root, then heap-sorted.  Deterministic
 * on ties (lower id wins).
 */
static void top_candidates(struct slmq_session *s, const float *lg, u32 n,
			   u32 *cand, u32 k)
{
	/* A sift is up to depth levels, a few comparisons each. */
	u64 sift = 4 * (u64)(32 - __builtin_clz(k));
	u32 i, t;

	for (i = 0; i < k; i++)
		cand[i] = i;
	for (i = k / 2; i-- > 0;) {
		sift_worst(cand, k, i, lg);
		if (!(i % SAMPLE_CHUNK))
			slmq_session_spend(s, SAMPLE_CHUNK * sift);
	}
	for (i = k; i < n; i++) {
		if (worse(lg, cand[0], i)) {
			cand[0] = i;
			sift_worst(cand, k, 0, lg);
		}
		if (!(i % SAMPLE_CHUNK))
			slmq_session_spend(s, SAMPLE_CHUNK * sift);
	}
	/* pop the worst to the back repeatedly: ends sorted best first */
	for (i = k; i > 1; i--) {
		t = cand[0];
		cand[0] = cand[i - 1];
		cand[i - 1] = t;
		sift_worst(cand, i - 1, 0, lg);
		if (!(i % SAMPLE_CHUNK))
			slmq_session_spend(s, SAMPLE_CHUNK * sift);
	}
}

/* Softmax at temperature over the sorted candidates, truncated by top-p; returns the count kept. */
static u32 candidate_probs(struct slmq_session *s, const float *lg, const u32 *cand,
			   u32 k, float temp, float top_p, float *p)
{
	float max = lg[cand[0]], sum = 0.0f, cum = 0.0f;
	u32 i;

	for (i = 0; i < k; i++) {
		p[i] = slmq_expf((lg[cand[i]] - max) / temp);
		sum += p[i];
		if (!((i + 1) % SAMPLE_CHUNK))
			slmq_session_spend(s, 16 * SAMPLE_CHUNK);	/* an expf */
	}
	for (i = 0; i < k; i++) {
		p[i] /= sum;
		cum += p[i];
		if (cum >= top_p)
			return i + 1;
		if (!((i + 1) % SAMPLE_CHUNK))
			slmq_session_spend(s, SAMPLE_CHUNK);
	}
	return k;
}

static u32 sample_dist(struct slmq_session *s, struct slmq_sampler *sp,
		       const u32 *cand, const float *p, u32 kept)
{
	float total = 0.0f, r, acc = 0.0f;
	u32 i;

	for (i = 0; i < kept; i++) {
		total += p[i];
		if (!((i + 1) % SAMPLE_CHUNK))
			slmq_session_spend(s, SAMPLE_CHUNK);
	}
	r = uniform(&sp->rng) * total;
	for (i = 0; i < kept; i++) {
		acc += p[i];
		if (r < acc)
			return cand[i];
		if (!((i + 1) % SAMPLE_CHUNK))
			slmq_session_spend(s, SAMPLE_CHUNK);
	}
	return cand[kept - 1];
}

/**
 * slmq_sample() - pick the next token from the session's logits.
 * @sp: sampler (its RNG advances once per non-greedy sample)
 * @s: session after slmq_session_eval()
 *
 * Return: token id.
 */
u32 slmq_sample(struct slmq_sampler *sp, struct slmq_session *s)
{
	const struct slmq_env *env = slmq_session_env(s);
	const float *lg = slmq_session_logits(s);
	u32 n = slmq_session_n_vocab(s), k, kept, tok;
	u32 *cand = slmq_session_cand(s);
	float temp, top_p;

	slmq_fpu_begin(env);
	temp = slmq_bits_f32(sp->temp_bits);
	top_p = slmq_bits_f32(sp->top_p_bits);
	if (!(temp > 0.0f) || sp->top_k == 1) {
		tok = argmax(s, lg, n);
		goto out;
	}
	if (!(top_p > 0.0f) || top_p > 1.0f)
		top_p = 1.0f;
	k = sp->top_k && sp->top_k < n ? sp->top_k : n;
	top_candidates(s, lg, n, cand, k);
	kept = candidate_probs(s, lg, cand, k, temp, top_p, slmq_session_probs(s));
	tok = sample_dist(s, sp, cand, slmq_session_probs(s), kept);
out:
	slmq_fpu_end(env);
	return tok;
}
