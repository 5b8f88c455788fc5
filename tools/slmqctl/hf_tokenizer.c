// SPDX-License-Identifier: GPL-2.0
/* tokenizer.json -> GGUF vocabulary (see hf_tokenizer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "../../kmod/engine/tokenizer.h"
#include "cli.h"
#include "hf_tokenizer.h"

#define HF_MAX_TOKENS (1u << 22)

static const char SPACE_MARK[] = "\xe2\x96\x81";

void hf_vocab_free(struct hf_vocab *v)
{
	uint32_t i;

	if (v->text)
		for (i = 0; i < v->n; i++)
			free(v->text[i]);
	free(v->text);
	free(v->len);
	free(v->score);
	free(v->type);
	memset(v, 0, sizeof(*v));
}

static bool is_byte_piece(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	return strlen(s) == 6 && !memcmp(s, "<0x", 3) && s[5] == '>' &&
	       strchr(hex, s[3]) && strchr(hex, s[4]) && s[3] && s[4];
}

/* A normalizer (or one step of a Sequence) that prepends "▁". */
static bool has_prepend(struct json_object *n)
{
	struct json_object *type, *seq, *pre;
	size_t i;

	if (!n || !json_object_object_get_ex(n, "type", &type))
		return false;
	if (!strcmp(cli_json_str(type, ""), "Prepend"))
		return json_object_object_get_ex(n, "prepend", &pre) &&
		       !strcmp(cli_json_str(pre, ""), SPACE_MARK);
	if (strcmp(cli_json_str(type, ""), "Sequence") ||
	    !json_object_object_get_ex(n, "normalizers", &seq) ||
	    !json_object_is_type(seq, json_type_array))
		return false;
	for (i = 0; i < json_object_array_length(seq); i++)
		if (has_prepend(json_object_array_get_idx(seq, i)))
			return true;
	return false;
}

static bool is_type(struct json_object *o, const char *type)
{
	struct json_object *t;

	return o && json_object_object_get_ex(o, "type", &t) &&
	       !strcmp(cli_json_str(t, ""), type);
}

/* Llama-2 style: SentencePiece BPE with byte fallback and a dummy prefix. */
static int check_model(struct json_object *root, struct json_object **model,
		       struct slmq_err *err)
{
	struct json_object *fb, *pre = NULL;

	if (!json_object_object_get_ex(root, "model", model) ||
	    !json_object_is_type(*model, json_type_object))
		return slmq_fail(err, -EINVAL, "tokenizer.json: no model");
	if (!is_type(*model, "BPE"))
		return slmq_fail(err, -EINVAL,
				 "tokenizer.json: model type is not BPE (need SentencePiece-style BPE)");
	if (!json_object_object_get_ex(*model, "byte_fallback", &fb) ||
	    !json_object_get_boolean(fb))
		return slmq_fail(err, -EINVAL,
				 "tokenizer.json: BPE without byte_fallback is not a Llama (SentencePiece) tokenizer");
	json_object_object_get_ex(root, "pre_tokenizer", &pre);
	if (!has_prepend(json_object_object_get(root, "normalizer")) &&
	    !is_type(pre, "Metaspace"))
		return slmq_fail(err, -EINVAL,
				 "tokenizer.json: no \"\xe2\x96\x81\" dummy prefix (not a SentencePiece-style tokenizer)");
	return 0;
}

static int alloc_vocab(struct hf_vocab *v, uint32_t n, struct slmq_err *err)
{
	v->n = n;
	v->text = calloc(n, sizeof(*v->text));
	v->len = calloc(n, sizeof(*v->len));
	v->score = calloc(n, sizeof(*v->score));
	v->type = calloc(n, sizeof(*v->type));
	if (!v->text || !v->len || !v->score || !v->type)
		return slmq_fail(err, -ENOMEM, "out of memory");
	return 0;
}

static int set_piece(struct hf_vocab *v, uint32_t id, const char *s,
		     struct slmq_err *err)
{
	size_t n = strlen(s);

	if (v->text[id])
		return strcmp(v->text[id], s) ?
			slmq_fail(err, -EINVAL, "tokenizer.json: id %u used by two pieces", id) : 0;
	if (n > SLMQ_TOKEN_MAX_BYTES)
		return slmq_fail(err, -EINVAL, "tokenizer.json: piece %u is %zu bytes (limit %d)",
				 id, n, SLMQ_TOKEN_MAX_BYTES);
	v->text[id] = strdup(s);
	if (!v->text[id])
		return slmq_fail(err, -ENOMEM, "out of memory");
	v->len[id] = (uint32_t)n;
	v->type[id] = is_byte_piece(s) ? SLMQ_TOKEN_BYTE : SLMQ_TOKEN_NORMAL;
	return 0;
}

static int64_t json_id(struct json_object *o)
{
	int64_t id;

	if (!o || !json_object_is_type(o, json_type_int))
		return -1;
	id = json_object_get_int64(o);
	return id >= 0 && id < HF_MAX_TOKENS ? id : -1;
}

/* Highest id in vocab and added_tokens, +1. */
static int count_ids(struct json_object *vocab, struct json_object *added,
		     uint32_t *n, struct slmq_err *err)
{
	int64_t max = -1, id;
	size_t i;

	json_object_object_foreach(vocab, key, val) {
		(void)key;
		id = json_id(val);
		if (id < 0)
			return slmq_fail(err, -EINVAL, "tokenizer.json: bad id for piece %.40s", key);
		max = id > max ? id : max;
	}
	for (i = 0; added && i < json_object_array_length(added); i++) {
		id = json_id(json_object_object_get(json_object_array_get_idx(added, i), "id"));
		if (id < 0)
			return slmq_fail(err, -EINVAL, "tokenizer.json: bad added token id");
		max = id > max ? id : max;
	}
	if (max < 0)
		return slmq_fail(err, -EINVAL, "tokenizer.json: empty vocabulary");
	*n = (uint32_t)max + 1;
	return 0;
}

/*
 * Added tokens: special -> CONTROL (the model's unk_token -> UNKNOWN), else
 * USER_DEFINED.  Those that are not pieces of the model itself get score
 * -1000 later, as llama.cpp gives tokens from added_tokens_decoder.
 */
static int add_added(struct hf_vocab *v, struct json_object *added,
		     const char *unk, bool *extra, struct slmq_err *err)
{
	size_t i;
	int ret;

	for (i = 0; added && i < json_object_array_length(added); i++) {
		struct json_object *a = json_object_array_get_idx(added, i), *c, *sp;
		uint32_t id = (uint32_t)json_id(json_object_object_get(a, "id"));

		if (!json_object_object_get_ex(a, "content", &c) ||
		    !json_object_is_type(c, json_type_string))
			return slmq_fail(err, -EINVAL, "tokenizer.json: added token without content");
		extra[id] = !v->text[id];
		ret = set_piece(v, id, json_object_get_string(c), err);
		if (ret)
			return ret;
		json_object_object_get_ex(a, "special", &sp);
		if (unk && !strcmp(unk, json_object_get_string(c)))
			v->type[id] = SLMQ_TOKEN_UNKNOWN;
		else
			v->type[id] = json_object_get_boolean(sp) ? SLMQ_TOKEN_CONTROL :
				      SLMQ_TOKEN_USER_DEFINED;
	}
	return 0;
}

/* Merge i as "a b" (classic) or ["a", "b"] (newer tokenizers); the merged text. */
static char *merge_result(struct json_object *m)
{
	const char *a, *b, *sp;
	char *out;

	if (json_object_is_type(m, json_type_string)) {
		a = json_object_get_string(m);
		sp = strchr(a, ' ');
		if (!sp)
			return NULL;
		out = malloc(strlen(a));
		if (!out)
			return NULL;
		memcpy(out, a, (size_t)(sp - a));
		strcpy(out + (sp - a), sp + 1);
		return out;
	}
	if (!json_object_is_type(m, json_type_array) || json_object_array_length(m) != 2)
		return NULL;
	a = json_object_get_string(json_object_array_get_idx(m, 0));
	b = json_object_get_string(json_object_array_get_idx(m, 1));
	if (!a || !b || asprintf(&out, "%s%s", a, b) < 0)
		return NULL;
	return out;
}

/* The k-th NORMAL piece in id order scores -k (SentencePiece's BPE trainer). */
static void scores_by_id(struct hf_vocab *v)
{
	uint32_t i, k = 0;

	for (i = 0; i < v->n; i++)
		v->score[i] = v->type[i] == SLMQ_TOKEN_NORMAL ? -(float)k++ : 0.0f;
}

/*
 * Checks that merges are grouped by result in id order; if not, scores
 * merged pieces by their first merge rank and the rest after all merges.
 */
static int derive_scores(struct hf_vocab *v, struct json_object *vocab,
			 struct json_object *merges, struct slmq_err *err)
{
	size_t i, n = merges ? json_object_array_length(merges) : 0;
	int64_t last = -1, id;
	bool ordered = true;
	float *first;
	uint32_t k = 0;

	scores_by_id(v);
	first = malloc(v->n * sizeof(*first));
	if (!first)
		return slmq_fail(err, -ENOMEM, "out of memory");
	for (i = 0; i < v->n; i++)
		first[i] = 1.0f;	/* "not merged" */
	for (i = 0; i < n; i++) {
		char *r = merge_result(json_object_array_get_idx(merges, i));

		if (!r) {
			free(first);
			return slmq_fail(err, -EINVAL, "tokenizer.json: bad merge %zu", i);
		}
		id = json_id(json_object_object_get(vocab, r));
		free(r);
		if (id < 0 || id >= v->n) {
			free(first);
			return slmq_fail(err, -EINVAL,
					 "tokenizer.json: merge %zu makes a piece not in the vocabulary", i);
		}
		if (id < last)
			ordered = false;
		last = id;
		if (first[id] > 0.0f)
			first[id] = -(float)k++;
	}
	if (!ordered) {
		v->scores_from_merges = true;
		for (i = 0; i < v->n; i++)
			if (v->type[i] == SLMQ_TOKEN_NORMAL)
				v->score[i] = first[i] <= 0.0f ? first[i] : v->score[i] - (float)k;
	}
	free(first);
	return 0;
}

static int fill_vocab(struct hf_vocab *v, struct json_object *model,
		      struct json_object *added, uint32_t n_vocab,
		      struct slmq_err *err)
{
	struct json_object *vocab, *merges = NULL, *unk = NULL;
	bool *extra = NULL;
	uint32_t n = 0, i;
	int ret;

	if (!json_object_object_get_ex(model, "vocab", &vocab) ||
	    !json_object_is_type(vocab, json_type_object))
		return slmq_fail(err, -EINVAL, "tokenizer.json: model.vocab missing");
	json_object_object_get_ex(model, "merges", &merges);
	if (merges && !json_object_is_type(merges, json_type_array))
		return slmq_fail(err, -EINVAL, "tokenizer.json: model.merges is not an array");
	if (added && !json_object_is_type(added, json_type_array))
		return slmq_fail(err, -EINVAL, "tokenizer.json: added_tokens is not an array");
	ret = count_ids(vocab, added, &n, err);
	if (ret)
		return ret;
	if (n_vocab && n > n_vocab)
		return slmq_fail(err, -EINVAL,
				 "tokenizer.json has %u tokens but config.json vocab_size is %u",
				 n, n_vocab);
	ret = alloc_vocab(v, n_vocab ? n_vocab : n, err);
	if (ret)
		return ret;
	json_object_object_foreach(vocab, key, val) {
		ret = set_piece(v, (uint32_t)json_id(val), key, err);
		if (ret)
			return ret;
	}
	json_object_object_get_ex(model, "unk_token", &unk);
	extra = calloc(v->n, sizeof(*extra));
	if (!extra)
		return slmq_fail(err, -ENOMEM, "out of memory");
	ret = add_added(v, added, cli_json_str(unk, NULL), extra, err);
	if (ret)
		goto out_free_extra;
	for (i = 0; i < n; i++)
		if (!v->text[i]) {
			ret = slmq_fail(err, -EINVAL, "tokenizer.json: no piece has id %u", i);
			goto out_free_extra;
		}
	for (; i < v->n; i++) {	/* llama.cpp pads to vocab_size like this */
		char pad[32];

		snprintf(pad, sizeof(pad), "[PAD%u]", i - n + 1);
		ret = set_piece(v, i, pad, err);
		if (ret)
			goto out_free_extra;
		v->type[i] = SLMQ_TOKEN_UNUSED;
	}
	ret = derive_scores(v, vocab, merges, err);
	for (i = 0; !ret && i < v->n; i++)
		if (i >= n || extra[i])
			v->score[i] = -1000.0f;
out_free_extra:
	free(extra);
	return ret;
}

static int64_t piece_id(const struct hf_vocab *v, const char *s)
{
	uint32_t i;

	for (i = 0; s && i < v->n; i++)
		if (!strcmp(v->text[i], s))
			return i;
	return -1;
}

int hf_vocab_parse(struct hf_vocab *v, const char *json, size_t len,
		   uint32_t n_vocab, struct slmq_err *err)
{
	struct json_object *root, *model, *unk;
	int ret;

	memset(v, 0, sizeof(*v));
	v->bos_id = v->eos_id = v->unk_id = v->pad_id = -1;
	v->add_bos = v->add_eos = -1;
	root = cli_json_parse_object(json, len);
	if (!root)
		return slmq_fail(err, -EINVAL, "tokenizer.json: not a JSON object");
	ret = check_model(root, &model, err);
	if (!ret)
		ret = fill_vocab(v, model, json_object_object_get(root, "added_tokens"),
				 n_vocab, err);
	if (!ret && json_object_object_get_ex(model, "unk_token", &unk))
		v->unk_id = piece_id(v, cli_json_str(unk, NULL));
	json_object_put(root);
	if (ret)
		hf_vocab_free(v);
	return ret;
}

/* "<s>" or {"content": "<s>", ...} */
static const char *token_content(struct json_object *o)
{
	struct json_object *c;

	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	if (json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "content", &c))
		return cli_json_str(c, NULL);
	return NULL;
}

/**
 * hf_tokenizer_config_apply() - tokenizer_config.json as llama.cpp's
 * SpecialVocab reads it: special pieces and add_bos/add_eos.
 * @v: vocabulary whose ids are set (to pieces it holds only)
 * @json: the file's bytes (need not be NUL-terminated)
 * @len: bytes
 *
 * Text that is not a JSON object changes nothing, as in llama.cpp.
 */
void hf_tokenizer_config_apply(struct hf_vocab *v, const char *json, size_t len)
{
	static const char *const keys[] = { "bos_token", "eos_token", "unk_token", "pad_token" };
	int64_t *ids[] = { &v->bos_id, &v->eos_id, &v->unk_id, &v->pad_id };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *o;
	size_t i;

	if (!tok || len > INT32_MAX) {
		json_tokener_free(tok);
		return;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return;
	}
	for (i = 0; i < 4; i++) {
		int64_t id;

		if (!json_object_object_get_ex(root, keys[i], &o))
			continue;
		id = piece_id(v, token_content(o));
		if (id >= 0)
			*ids[i] = id;
	}
	if (json_object_object_get_ex(root, "add_bos_token", &o) &&
	    json_object_is_type(o, json_type_boolean))
		v->add_bos = json_object_get_boolean(o);
	if (json_object_object_get_ex(root, "add_eos_token", &o) &&
	    json_object_is_type(o, json_type_boolean))
		v->add_eos = json_object_get_boolean(o);
	json_object_put(root);
}

static void read_tokenizer_config(struct hf_vocab *v, const char *dir)
{
	char path[4200];
	size_t len;
	void *buf;

	snprintf(path, sizeof(path), "%s/tokenizer_config.json", dir);
	if (cli_read_file(path, &buf, &len))
		return;
	hf_tokenizer_config_apply(v, buf, len);
	free(buf);
}

int hf_vocab_load(struct hf_vocab *v, const char *dir, uint32_t n_vocab,
		  int64_t cfg_bos, int64_t cfg_eos, struct slmq_err *err)
{
	char path[4200];
	size_t len;
	void *buf;
	int ret;

	snprintf(path, sizeof(path), "%s/tokenizer.json", dir);
	ret = cli_read_file(path, &buf, &len);
	if (ret)
		return slmq_fail(err, ret, "tokenizer.json: %s", strerror(-ret));
	ret = hf_vocab_parse(v, buf, len, n_vocab, err);
	free(buf);
	if (ret)
		return ret;
	read_tokenizer_config(v, dir);
	if (v->bos_id < 0 && cfg_bos >= 0 && cfg_bos < v->n)
		v->bos_id = cfg_bos;
	if (v->eos_id < 0 && cfg_eos >= 0 && cfg_eos < v->n)
		v->eos_id = cfg_eos;
	return 0;
}
