// SPDX-License-Identifier: GPL-2.0
/*
 * A valid byte-fallback BPE vocabulary of any size >= 259 + alphabet, in the
 * Llama-2 tokenizer.json layout: <unk> <s> </s>, the 256 byte pieces, merged
 * pieces (all pairs of the alphabet, then pair+character) with one merge
 * each, listed in id order like a SentencePiece conversion, and the single
 * characters last (where SentencePiece puts them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "synth.h"

#define SPACE "\xe2\x96\x81"	/* U+2581, SentencePiece's word boundary */

static const char *const alphabet[] = {
	SPACE, "e", "t", "a", "o", "i", "n", "s", "r", "h", "l", "d", "c", "u",
	"m", "f", "p", "g", "w", "y", "b", "v", "k", "x", "j", "q", "z",
	"E", "T", "A", "O", "I", "N", "S", "R", "H", "L", "D", "C", "U", "M",
	"F", "P", "G", "W", "Y", "B", "V", "K", "X", "J", "Q", "Z",
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
	".", ",", ":", "-", "(", ")", "/", "_", "'", "\"", "=",
};

#define N_ALPHA (sizeof(alphabet) / sizeof(alphabet[0]))
#define N_FIXED 259	/* <unk> <s> </s> + 256 bytes */

static struct json_object *added_token(int id, const char *content)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(id));
	json_object_object_add(o, "content", json_object_new_string(content));
	json_object_object_add(o, "single_word", json_object_new_boolean(0));
	json_object_object_add(o, "lstrip", json_object_new_boolean(0));
	json_object_object_add(o, "rstrip", json_object_new_boolean(0));
	json_object_object_add(o, "normalized", json_object_new_boolean(0));
	json_object_object_add(o, "special", json_object_new_boolean(1));
	return o;
}

/* Merged piece k (0-based): pairs a+b first, then pair+character. */
static void merged_piece(uint32_t k, char *piece, char *merge, size_t len)
{
	uint32_t a, b, c;

	if (k < N_ALPHA * N_ALPHA) {
		a = k / N_ALPHA;
		b = k % N_ALPHA;
		snprintf(piece, len, "%s%s", alphabet[a], alphabet[b]);
		snprintf(merge, len, "%s %s", alphabet[a], alphabet[b]);
		return;
	}
	k -= N_ALPHA * N_ALPHA;
	a = k / N_ALPHA / N_ALPHA;
	b = (k / N_ALPHA) % N_ALPHA;
	c = k % N_ALPHA;
	snprintf(piece, len, "%s%s%s", alphabet[a], alphabet[b], alphabet[c]);
	snprintf(merge, len, "%s%s %s", alphabet[a], alphabet[b], alphabet[c]);
}

static struct json_object *bpe_model(uint32_t vocab)
{
	struct json_object *model = json_object_new_object();
	struct json_object *v = json_object_new_object();
	struct json_object *merges = json_object_new_array();
	uint32_t n_merged = vocab - N_FIXED - N_ALPHA, i;
	char piece[32], merge[32];

	json_object_object_add(v, "<unk>", json_object_new_int(0));
	json_object_object_add(v, "<s>", json_object_new_int(1));
	json_object_object_add(v, "</s>", json_object_new_int(2));
	for (i = 0; i < 256; i++) {
		snprintf(piece, sizeof(piece), "<0x%02X>", i);
		json_object_object_add(v, piece, json_object_new_int((int)(3 + i)));
	}
	for (i = 0; i < n_merged; i++) {
		merged_piece(i, piece, merge, sizeof(piece));
		json_object_object_add(v, piece, json_object_new_int((int)(N_FIXED + i)));
		json_object_array_add(merges, json_object_new_string(merge));
	}
	for (i = 0; i < N_ALPHA; i++)
		json_object_object_add(v, alphabet[i],
				       json_object_new_int((int)(N_FIXED + n_merged + i)));
	json_object_object_add(model, "type", json_object_new_string("BPE"));
	json_object_object_add(model, "dropout", NULL);
	json_object_object_add(model, "unk_token", json_object_new_string("<unk>"));
	json_object_object_add(model, "continuing_subword_prefix", NULL);
	json_object_object_add(model, "end_of_word_suffix", NULL);
	json_object_object_add(model, "fuse_unk", json_object_new_boolean(1));
	json_object_object_add(model, "byte_fallback", json_object_new_boolean(1));
	json_object_object_add(model, "vocab", v);
	json_object_object_add(model, "merges", merges);
	return model;
}

/* The Llama-2 normalizer (prepend ▁, spaces to ▁) and decoder, as in the fixture. */
static const char *const llama_json =
	"{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"" SPACE "\"},"
	"{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"" SPACE "\"}]},"
	"\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"" SPACE "\"},\"content\":\" \"},"
	"{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}}";

static const char *const tokenizer_config =
	"{\n  \"add_bos_token\": true,\n  \"add_eos_token\": false,\n"
	"  \"bos_token\": \"<s>\",\n  \"eos_token\": \"</s>\",\n  \"unk_token\": \"<unk>\",\n"
	"  \"pad_token\": null,\n  \"legacy\": false,\n  \"tokenizer_class\": \"LlamaTokenizer\"\n}\n";

static int write_text(const char *dir, const char *name, const char *text,
		      char *msg, size_t msg_len)
{
	char path[4200];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = cli_write_file(path, text, strlen(text));
	if (ret)
		snprintf(msg, msg_len, "%s: %s", path, strerror(-ret));
	return ret;
}

/**
 * synth_write_tokenizer() - write tokenizer.json and tokenizer_config.json.
 * @dir: output directory
 * @vocab: total tokens (>= 259 + the alphabet, at most what pair+char gives)
 * @msg: error line
 * @msg_len: its size
 */
int synth_write_tokenizer(const char *dir, uint32_t vocab, char *msg, size_t msg_len)
{
	uint64_t max = N_FIXED + N_ALPHA + (uint64_t)N_ALPHA * N_ALPHA * (1 + N_ALPHA);
	struct json_object *root, *added, *extra, *o;
	int ret;

	if (vocab < N_FIXED + N_ALPHA || vocab > max) {
		snprintf(msg, msg_len, "vocab %u must be in %zu..%llu", vocab,
			 N_FIXED + N_ALPHA, (unsigned long long)max);
		return -EINVAL;
	}
	root = json_object_new_object();
	added = json_object_new_array();
	json_object_array_add(added, added_token(0, "<unk>"));
	json_object_array_add(added, added_token(1, "<s>"));
	json_object_array_add(added, added_token(2, "</s>"));
	json_object_object_add(root, "version", json_object_new_string("1.0"));
	json_object_object_add(root, "truncation", NULL);
	json_object_object_add(root, "padding", NULL);
	json_object_object_add(root, "added_tokens", added);
	extra = json_tokener_parse(llama_json);
	json_object_object_get_ex(extra, "normalizer", &o);
	json_object_object_add(root, "normalizer", json_object_get(o));
	json_object_object_add(root, "pre_tokenizer", NULL);
	json_object_object_get_ex(extra, "decoder", &o);
	json_object_object_add(root, "decoder", json_object_get(o));
	json_object_put(extra);
	json_object_object_add(root, "model", bpe_model(vocab));
	ret = write_text(dir, "tokenizer.json",
			 json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE),
			 msg, msg_len);
	json_object_put(root);
	return ret ?: write_text(dir, "tokenizer_config.json", tokenizer_config,
				 msg, msg_len);
}
