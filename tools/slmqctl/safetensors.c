// SPDX-License-Identifier: GPL-2.0
/* safetensors reader (see safetensors.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "../../kmod/engine/quant.h"
#include "safetensors.h"

/* Headers of real checkpoints are kilobytes; safetensors itself caps at 100 MB. */
#define ST_MAX_HEADER (100u << 20)
#define ST_MAX_DIM (1ull << 40)
#define ST_MAX_SHARDS 4096

const char *st_dtype_name(enum st_dtype d)
{
	static const char *const names[] = { "F16", "BF16", "F32" };

	return names[d];
}

static uint32_t dtype_size(enum st_dtype d)
{
	return d == ST_F32 ? 4 : 2;
}

static int parse_dtype(const char *s, enum st_dtype *d)
{
	if (!strcmp(s, "F16"))
		*d = ST_F16;
	else if (!strcmp(s, "BF16"))
		*d = ST_BF16;
	else if (!strcmp(s, "F32"))
		*d = ST_F32;
	else
		return -1;
	return 0;
}

/* A JSON integer in [0, max], or -1. */
static int json_u64(struct json_object *o, uint64_t max, uint64_t *v)
{
	int64_t x;

	if (!o || !json_object_is_type(o, json_type_int))
		return -1;
	errno = 0;
	x = json_object_get_int64(o);
	if (x < 0 || (uint64_t)x > max || errno)
		return -1;
	*v = (uint64_t)x;
	return 0;
}

static int parse_shape(struct st_tensor *t, struct json_object *shape,
		       struct slmq_err *err)
{
	size_t i, n;

	if (!shape || !json_object_is_type(shape, json_type_array))
		return slmq_fail(err, -EINVAL, "tensor %s: shape is not an array", t->name);
	n = json_object_array_length(shape);
	if (n > ST_MAX_DIMS)
		return slmq_fail(err, -EINVAL, "tensor %s: %zu dimensions (limit %d)",
				 t->name, n, ST_MAX_DIMS);
	t->n_dims = (uint32_t)n;
	t->n_elems = 1;
	for (i = 0; i < n; i++) {
		if (json_u64(json_object_array_get_idx(shape, i), ST_MAX_DIM,
			     &t->shape[i]))
			return slmq_fail(err, -EINVAL, "tensor %s: bad shape entry %zu",
					 t->name, i);
		if (__builtin_mul_overflow(t->n_elems, t->shape[i], &t->n_elems))
			return slmq_fail(err, -EINVAL, "tensor %s: element count overflows",
					 t->name);
	}
	return 0;
}

static int parse_entry(struct st_file *f, struct st_tensor *t,
		       struct json_object *o, uint64_t data_len,
		       struct slmq_err *err)
{
	struct json_object *dtype, *offs;
	uint64_t begin, end, want;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return slmq_fail(err, -EINVAL, "tensor %s: entry is not an object", t->name);
	if (!json_object_object_get_ex(o, "dtype", &dtype) ||
	    !json_object_is_type(dtype, json_type_string))
		return slmq_fail(err, -EINVAL, "tensor %s: dtype missing", t->name);
	if (parse_dtype(json_object_get_string(dtype), &t->dtype))
		return slmq_fail(err, -EINVAL,
				 "tensor %s: unsupported dtype %.16s (need F16, BF16 or F32)",
				 t->name, json_object_get_string(dtype));
	ret = parse_shape(t, json_object_object_get(o, "shape"), err);
	if (ret)
		return ret;
	offs = json_object_object_get(o, "data_offsets");
	if (!offs || !json_object_is_type(offs, json_type_array) ||
	    json_object_array_length(offs) != 2 ||
	    json_u64(json_object_array_get_idx(offs, 0), UINT64_MAX >> 1, &begin) ||
	    json_u64(json_object_array_get_idx(offs, 1), UINT64_MAX >> 1, &end) ||
	    end < begin)
		return slmq_fail(err, -EINVAL, "tensor %s: bad data_offsets", t->name);
	if (end > data_len)
		return slmq_fail(err, -EINVAL,
				 "tensor %s: data [%llu, %llu) runs past end of file (%llu data bytes; truncated?)",
				 t->name, (unsigned long long)begin,
				 (unsigned long long)end, (unsigned long long)data_len);
	if (__builtin_mul_overflow(t->n_elems, (uint64_t)dtype_size(t->dtype), &want) ||
	    want != end - begin)
		return slmq_fail(err, -EINVAL,
				 "tensor %s: %llu data bytes, but shape and dtype need %llu",
				 t->name, (unsigned long long)(end - begin),
				 (unsigned long long)want);
	t->data = f->buf + 8 + (f->len - 8 - data_len) + begin;
	t->nbytes = want;
	return 0;
}

static int cmp_data(const void *a, const void *b)
{
	const struct st_tensor *x = a, *y = b;
	const uint8_t *px = x->data, *py = y->data;

	return px < py ? -1 : px > py;
}

static int check_overlap(struct st_file *f, struct slmq_err *err)
{
	struct st_tensor *s;
	size_t i;

	if (f->n < 2)
		return 0;
	s = malloc(f->n * sizeof(*s));
	if (!s)
		return slmq_fail(err, -ENOMEM, "out of memory");
	memcpy(s, f->t, f->n * sizeof(*s));
	qsort(s, f->n, sizeof(*s), cmp_data);
	for (i = 1; i < f->n; i++) {
		if ((const uint8_t *)s[i - 1].data + s[i - 1].nbytes >
		    (const uint8_t *)s[i].data) {
			slmq_fail(err, -EINVAL, "tensors %s and %s overlap",
				  s[i - 1].name, s[i].name);
			free(s);
			return -EINVAL;
		}
	}
	free(s);
	return 0;
}

static int parse_header(struct st_file *f, struct json_object *root,
			uint64_t data_len, struct slmq_err *err)
{
	size_t cap = (size_t)json_object_object_length(root);
	int ret = 0;

	f->t = calloc(cap + 1, sizeof(*f->t));
	if (!f->t)
		return slmq_fail(err, -ENOMEM, "out of memory");
	json_object_object_foreach(root, key, val) {
		struct st_tensor *t = &f->t[f->n];

		if (!strcmp(key, "__metadata__"))
			continue;
		t->name = strdup(key);
		if (!t->name)
			return slmq_fail(err, -ENOMEM, "out of memory");
		f->n++;
		if (strlen(key) > 1024)
			return slmq_fail(err, -EINVAL, "tensor name longer than 1024 bytes");
		ret = parse_entry(f, t, val, data_len, err);
		if (ret)
			return ret;
	}
	return check_overlap(f, err);
}

static bool only_spaces(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

int st_parse(struct st_file *f, const void *buf, size_t len,
	     struct slmq_err *err)
{
	struct json_tokener *tok;
	struct json_object *root;
	uint64_t hlen;
	const char *h;
	size_t used;
	int ret;

	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	if (len < 8)
		return slmq_fail(err, -EINVAL, "truncated: file shorter than its 8-byte header length");
	memcpy(&hlen, buf, 8);
	if (hlen > ST_MAX_HEADER || hlen > len - 8)
		return slmq_fail(err, -EINVAL,
				 "header length %llu runs past end of file (%zu bytes; truncated?)",
				 (unsigned long long)hlen, len);
	h = (const char *)buf + 8;
	tok = json_tokener_new();
	if (!tok)
		return slmq_fail(err, -ENOMEM, "out of memory");
	root = json_tokener_parse_ex(tok, h, (int)hlen);
	used = json_tokener_get_parse_end(tok);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !only_spaces(h + used, hlen - used)) {
		json_tokener_free(tok);
		json_object_put(root);
		return slmq_fail(err, -EINVAL, "header is not valid JSON");
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return slmq_fail(err, -EINVAL, "header is not a JSON object");
	}
	ret = parse_header(f, root, len - 8 - hlen, err);
	json_object_put(root);
	if (ret)
		st_file_free(f);
	return ret;
}

void st_file_free(struct st_file *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->t[i].name);
	free(f->t);
	f->t = NULL;
	f->n = 0;
}

static int map_file(const char *path, void **map, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	*len = (size_t)st.st_size;
	*map = st.st_size ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (*map == MAP_FAILED) {
		*map = NULL;
		return -errno;
	}
	return 0;
}

/* Adds one shard file (name relative to dir) to the model. */
static int add_file(struct st_model *m, const char *dir, const char *name,
		    struct slmq_err *err)
{
	struct st_file *f = &m->files[m->n_files];
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = map_file(path, &m->maps[m->n_files], &m->map_len[m->n_files]);
	if (ret)
		return slmq_fail(err, ret, "%s: %s", name, strerror(-ret));
	ret = st_parse(f, m->maps[m->n_files], m->map_len[m->n_files], err);
	m->n_files++;
	if (ret) {
		char msg[SLMQ_ERR_MSG_LEN];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return slmq_fail(err, ret, "%s: %s", name, msg);
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct st_tensor *)a)->name,
		      ((const struct st_tensor *)b)->name);
}

/* Flattens every file's tensors into one sorted table; rejects duplicates. */
static int gather(struct st_model *m, struct slmq_err *err)
{
	size_t i, j, n = 0;

	for (i = 0; i < m->n_files; i++)
		n += m->files[i].n;
	m->t = calloc(n + 1, sizeof(*m->t));
	if (!m->t)
		return slmq_fail(err, -ENOMEM, "out of memory");
	for (i = 0; i < m->n_files; i++)
		for (j = 0; j < m->files[i].n; j++) {
			m->t[m->n] = m->files[i].t[j];
			m->t[m->n++].file = (uint32_t)i;
		}
	qsort(m->t, m->n, sizeof(*m->t), cmp_name);
	for (i = 1; i < m->n; i++)
		if (!strcmp(m->t[i - 1].name, m->t[i].name))
			return slmq_fail(err, -EINVAL, "tensor %s appears in two shards",
					 m->t[i].name);
	return 0;
}

static bool valid_shard_name(const char *s)
{
	size_t n = strlen(s);

	return n > 12 && n < 256 && !strchr(s, '/') && s[0] != '.' &&
	       !strcmp(s + n - 12, ".safetensors");
}

static int alloc_files(struct st_model *m, size_t n, struct slmq_err *err)
{
	m->files = calloc(n, sizeof(*m->files));
	m->maps = calloc(n, sizeof(*m->maps));
	m->map_len = calloc(n, sizeof(*m->map_len));
	if (!m->files || !m->maps || !m->map_len)
		return slmq_fail(err, -ENOMEM, "out of memory");
	return 0;
}

/* Opens each distinct shard the index names, then checks the index against them. */
static int open_sharded(struct st_model *m, const char *dir,
			struct json_object *map, struct slmq_err *err)
{
	size_t n = (size_t)json_object_object_length(map), i;
	const char **names = calloc(n + 1, sizeof(*names));
	size_t n_names = 0;
	int ret = 0;

	if (!names || alloc_files(m, n + 1, err))
		ret = slmq_fail(err, -ENOMEM, "out of memory");
	json_object_object_foreach(map, key, val) {
		const char *s = json_object_get_string(val);

		if (ret)
			break;
		if (!json_object_is_type(val, json_type_string) || !valid_shard_name(s)) {
			ret = slmq_fail(err, -EINVAL,
					"model.safetensors.index.json: bad shard file name for %s", key);
			break;
		}
		for (i = 0; i < n_names && strcmp(names[i], s); i++)
			;
		if (i == n_names && n_names < ST_MAX_SHARDS) {
			names[n_names++] = s;
			ret = add_file(m, dir, s, err);
		}
	}
	if (!ret)
		ret = gather(m, err);
	json_object_object_foreach(map, k2, v2) {
		const struct st_tensor *t;

		if (ret)
			break;
		t = st_model_find(m, k2);
		if (!t || strcmp(names[t->file], json_object_get_string(v2)))
			ret = slmq_fail(err, -EINVAL,
					"tensor %s listed in model.safetensors.index.json is missing from %s",
					k2, json_object_get_string(v2));
	}
	free(names);
	return ret;
}

static int open_index(struct st_model *m, const char *dir, struct slmq_err *err)
{
	char path[4096];
	struct json_object *root, *map;
	int ret;

	snprintf(path, sizeof(path), "%s/model.safetensors.index.json", dir);
	root = json_object_from_file(path);
	if (!root)
		return slmq_fail(err, -EINVAL,
				 "model.safetensors.index.json: not valid JSON");
	if (!json_object_object_get_ex(root, "weight_map", &map) ||
	    !json_object_is_type(map, json_type_object) ||
	    !json_object_object_length(map)) {
		json_object_put(root);
		return slmq_fail(err, -EINVAL,
				 "model.safetensors.index.json: weight_map missing or empty");
	}
	ret = open_sharded(m, dir, map, err);
	json_object_put(root);
	return ret;
}

int st_model_open(struct st_model *m, const char *dir, struct slmq_err *err)
{
	char path[4096];
	int ret;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/model.safetensors", dir);
	if (!access(path, F_OK)) {
		ret = alloc_files(m, 1, err);
		if (!ret)
			ret = add_file(m, dir, "model.safetensors", err);
		if (!ret)
			ret = gather(m, err);
	} else {
		snprintf(path, sizeof(path), "%s/model.safetensors.index.json", dir);
		if (access(path, F_OK))
			ret = slmq_fail(err, -ENOENT,
					"no model.safetensors or model.safetensors.index.json");
		else
			ret = open_index(m, dir, err);
	}
	if (ret)
		st_model_close(m);
	return ret;
}

void st_model_close(struct st_model *m)
{
	size_t i;

	for (i = 0; i < m->n_files; i++) {
		st_file_free(&m->files[i]);
		if (m->maps[i])
			munmap(m->maps[i], m->map_len[i]);
	}
	free(m->files);
	free(m->maps);
	free(m->map_len);
	free(m->t);
	memset(m, 0, sizeof(*m));
}

const struct st_tensor *st_model_find(const struct st_model *m,
				      const char *name)
{
	struct st_tensor key = { .name = (char *)name };

	if (!m->n)
		return NULL;
	return bsearch(&key, m->t, m->n, sizeof(*m->t), cmp_name);
}

void st_tensor_to_f32(const struct st_tensor *t, float *out)
{
	const uint8_t *p = t->data;
	uint64_t i;
	uint16_t h;
	uint32_t bits;

	for (i = 0; i < t->n_elems; i++) {
		switch (t->dtype) {
		case ST_F32:
			memcpy(&out[i], p + 4 * i, 4);
			break;
		case ST_F16:
			memcpy(&h, p + 2 * i, 2);
			out[i] = slmq_f16_to_f32(h);
			break;
		case ST_BF16:
			memcpy(&h, p + 2 * i, 2);
			bits = (uint32_t)h << 16;
			memcpy(&out[i], &bits, 4);
			break;
		}
	}
}
