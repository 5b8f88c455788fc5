// SPDX-License-Identifier: GPL-2.0
/*
 * The Hugging Face GPTQ-layout export round-trips: dequantizing the exported
 * qweight/qzeros/scales (read back by a separate little parser here, with the
 * GPTQ v1 formula) gives exactly what dequantizing the GGUF blocks gives, and
 * q/k rows come back in Hugging Face order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "cli.h"
#include "convert.h"
#include "hf_model.h"
#include "quant/type_plan.h"
#include "../../kmod/engine/quant.h"
#include "accept/hf_export.h"

struct rt {
	void *buf;
	size_t len;
	struct json_object *hdr;
	const uint8_t *data;
};

static int rt_open(struct rt *r, const char *path)
{
	uint64_t hl;

	if (cli_read_file(path, &r->buf, &r->len) || r->len < 8)
		return -1;
	memcpy(&hl, r->buf, 8);
	if (hl > r->len - 8)
		return -1;
	r->hdr = json_tokener_parse(strndup((char *)r->buf + 8, hl));
	r->data = (const uint8_t *)r->buf + 8 + hl;
	return r->hdr ? 0 : -1;
}

/* Data of one tensor, checking its dtype and element count. */
static const void *rt_get(struct rt *r, const char *name, const char *dtype,
			  uint64_t *d0, uint64_t *d1)
{
	struct json_object *e, *v;
	uint64_t b, en;

	if (!json_object_object_get_ex(r->hdr, name, &e) ||
	    !json_object_object_get_ex(e, "dtype", &v) ||
	    strcmp(json_object_get_string(v), dtype))
		return NULL;
	json_object_object_get_ex(e, "shape", &v);
	*d0 = (uint64_t)json_object_get_int64(json_object_array_get_idx(v, 0));
	*d1 = json_object_array_length(v) > 1 ?
	      (uint64_t)json_object_get_int64(json_object_array_get_idx(v, 1)) : 1;
	json_object_object_get_ex(e, "data_offsets", &v);
	b = (uint64_t)json_object_get_int64(json_object_array_get_idx(v, 0));
	en = (uint64_t)json_object_get_int64(json_object_array_get_idx(v, 1));
	if (en < b || 8 + en > r->len)
		return NULL;
	return r->data + b;
}

/* w[o][i] from the GPTQ tensors of one linear layer (HF layout). */
static float *gptq_dequant(struct rt *r, const char *hf, int bits, uint64_t *out,
			   uint64_t *in)
{
	char n[256];
	uint64_t a, b, ng, o, i;
	const uint32_t *qw, *qz;
	const uint16_t *sc;
	const int32_t *gi;
	int per = 32 / bits;
	uint32_t mask = (1u << bits) - 1;
	float *w;

	snprintf(n, sizeof(n), "%s.qweight", hf);
	qw = rt_get(r, n, "I32", &a, out);
	snprintf(n, sizeof(n), "%s.scales", hf);
	sc = rt_get(r, n, "F16", &ng, &b);
	snprintf(n, sizeof(n), "%s.qzeros", hf);
	qz = rt_get(r, n, "I32", &a, &b);
	snprintf(n, sizeof(n), "%s.g_idx", hf);
	gi = rt_get(r, n, "I32", in, &b);
	if (!qw || !sc || !qz || !gi)
		return NULL;
	w = malloc(*out * *in * sizeof(float));
	for (o = 0; o < *out; o++)
		for (i = 0; i < *in; i++) {
			uint64_t g = (uint64_t)gi[i];
			uint32_t q = (qw[(i / per) * *out + o] >> (bits * (i % per))) & mask;
			uint32_t z = (qz[g * (*out / per) + o / per] >> (bits * (o % per))) & mask;

			w[o * *in + i] = slmq_f16_to_f32(sc[g * *out + o]) *
					 ((float)q - (float)(z + 1));
		}
	return w;
}

static int build(const char *dir, uint32_t wt, struct cli_model *cm)
{
	struct slmq_err err = { 0 };
	struct gguf_writer *w = gguf_writer_new();
	struct hf_model m;
	struct qplan p;
	int ret;

	memset(cm, 0, sizeof(*cm));
	if (hf_model_open(&m, dir, &err))
		return -1;
	ret = type_plan_init(&p, &m, wt, SLMQ_TYPE_Q8_0, SLMQ_TYPE_Q8_0, &err);
	if (!ret)
		ret = convert_model(&m, &p, w, &err);
	if (!ret)
		ret = gguf_writer_finish(w, &cm->buf, &cm->len);
	if (!ret)
		ret = slmq_model_load(&cm->model, cm->buf, cm->len, &cli_allocator, &err);
	if (ret)
		tap_diag("build: %s", err.msg);
	gguf_writer_free(w);
	qplan_free(&p);
	hf_model_close(&m);
	return ret;
}

/* HF row o of q/k is GGUF row perm(o): llama.cpp's permute, stated independently. */
static uint64_t perm(uint64_t o, uint64_t rows, uint32_t nh)
{
	uint64_t hd = rows / nh, half = hd / 2;

	return (o / hd) * hd + (o % hd % half) * 2 + (o % hd) / half;
}

static double layer_diff(struct rt *r, const struct slmq_model *m, const char *gname,
			 const char *hf, int bits, uint32_t nh)
{
	const struct slmq_gguf_tensor *t = slmq_gguf_find_tensor(&m->gguf, gname);
	uint64_t out, in, o, i;
	double worst = 0;
	float *w = gptq_dequant(r, hf, bits, &out, &in), *row;

	if (!t || !w || out != t->ne[1] || in != t->ne[0]) {
		free(w);
		return INFINITY;
	}
	row = malloc(in * sizeof(float));
	for (o = 0; o < out; o++) {
		uint64_t g = nh ? perm(o, out, nh) : o;

		slmq_dequantize_row(t->type, (const uint8_t *)t->data +
				    g * slmq_row_bytes(t->type, in), row, (u32)in);
		for (i = 0; i < in; i++)
			worst = fmax(worst, fabs((double)row[i] - w[o * in + i]));
	}
	free(row);
	free(w);
	return worst;
}

static void check(const char *fx, uint32_t wt, int bits, const char *label)
{
	char dir[256], path[300];
	struct slmq_err err = { 0 };
	struct hf_export_info info;
	struct cli_model cm;
	struct rt r = { 0 };
	double d, worst = 0;
	unsigned int l;
	static const char *const g[] = { "attn_q", "attn_k", "attn_v", "attn_output",
					 "ffn_gate", "ffn_up", "ffn_down" };
	static const char *const h[] = { "self_attn.q_proj", "self_attn.k_proj",
					 "self_attn.v_proj", "self_attn.o_proj",
					 "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj" };
	int k;

	if (!tap_ok(!build(fx, wt, &cm), "%s: quantized pcilm-tiny in memory", label))
		return;
	snprintf(dir, sizeof(dir), "build/tests/hf_export_%s", label);
	k = hf_export_gptq(&cm.model, dir, &info, &err);
	tap_ok(!k && info.bits == bits &&
	       info.n_quantized == 7 * cm.model.hp.n_layer,
	       "%s: exported %lu linears at %d bits (%s)", label, info.n_quantized,
	       info.bits, err.msg);
	snprintf(path, sizeof(path), "%s/model.safetensors", dir);
	if (!tap_ok(!rt_open(&r, path), "%s: safetensors header parses", label))
		return;
	for (l = 0; l < cm.model.hp.n_layer; l++)
		for (k = 0; k < 7; k++) {
			char gn[64], hn[96];

			snprintf(gn, sizeof(gn), "blk.%u.%s.weight", l, g[k]);
			snprintf(hn, sizeof(hn), "model.layers.%u.%s", l, h[k]);
			d = layer_diff(&r, &cm.model, gn, hn, bits,
				       k == 0 ? cm.model.hp.n_head :
				       k == 1 ? cm.model.hp.n_head_kv : 0);
			worst = fmax(worst, d);
		}
	if (wt == SLMQ_TYPE_Q4_1)
		tap_ok(worst <= info.max_abs_change * 1.001 + 1e-6 && !info.exact,
		       "%s: dequant(safetensors) within the recorded zero-point change %.3g of dequant(GGUF) (worst %.3g)",
		       label, info.max_abs_change, worst);
	else
		tap_ok(worst == 0 && info.exact,
		       "%s: dequant(safetensors) == dequant(GGUF) on every linear weight (worst %.3g)",
		       label, worst);
	free(r.buf);
	json_object_put(r.hdr);
	slmq_model_release(&cm.model, &cli_allocator);
	free(cm.buf);
}

/* q_proj from the export against the original HF weights: right row order. */
static void check_order(const char *fx)
{
	struct slmq_err err = { 0 };
	struct hf_model m;
	struct hf_tensor *t;
	struct rt r = { 0 };
	uint64_t out, in, k;
	double worst = 0, perm_worst = 0;
	float *w, *ref;

	if (hf_model_open(&m, fx, &err) ||
	    rt_open(&r, "build/tests/hf_export_q8_0/model.safetensors")) {
		tap_ok(0, "q/k order: inputs");
		return;
	}
	t = hf_model_tensor(&m, "model.layers.1.self_attn.q_proj.weight");
	ref = t ? hf_tensor_f32(t) : NULL;
	w = gptq_dequant(&r, "model.layers.1.self_attn.q_proj", 8, &out, &in);
	if (ref && w && out == t->rows && in == t->cols)
		for (k = 0; k < out * in; k++) {
			worst = fmax(worst, fabs((double)ref[k] - w[k]));
			/* the same rows read in GGUF order, to show the test can tell */
			perm_worst = fmax(perm_worst, fabs((double)ref[perm(k / in, out, m.hp.n_head) * in + k % in] - w[k]));
		}
	tap_ok(w && worst < 0.02 && perm_worst > 10 * worst,
	       "q_proj rows in Hugging Face order: max |hf - export| %.4f (permuted order would be %.4f)",
	       worst, perm_worst);
	free(w);
	free(r.buf);
	json_object_put(r.hdr);
	hf_model_close(&m);
}

/*
 * Interleaving rearranges the blocks the export reads: exporting an
 * interleaved model must fail (it used to write scrambled weights).
 */
static void check_interleaved(const char *fx)
{
	struct slmq_err err = { 0 };
	char dir[128];
	struct hf_export_info info;
	struct cli_model cm;
	struct stat st;
	int k;

	if (!tap_ok(!build(fx, SLMQ_TYPE_Q4_0, &cm), "interleaved: quantized pcilm-tiny in memory"))
		return;
	/* a name no earlier run left behind */
	snprintf(dir, sizeof(dir), "build/tests/hf_export_interleaved.%d", (int)getpid());
	k = slmq_model_interleave(&cm.model, &cli_allocator, &err);
	k = k ?: hf_export_gptq(&cm.model, dir, &info, &err);
	tap_ok(k == -EINVAL && strstr(err.msg, "interleaved") && stat(dir, &st) < 0,
	       "export of an interleaved model is refused before writing anything (%s)", err.msg);
	slmq_model_release(&cm.model, &cli_allocator);
	free(cm.buf);
}

int main(void)
{
	char fx[512];

	snprintf(fx, sizeof(fx), "%s/pcilm-tiny", tap_fixture_dir());
	check(fx, SLMQ_TYPE_Q4_0, 4, "q4_0");
	check(fx, SLMQ_TYPE_Q8_0, 8, "q8_0");
	check(fx, SLMQ_TYPE_Q4_1, 4, "q4_1");
	check_order(fx);
	check_interleaved(fx);
	return tap_done();
}
