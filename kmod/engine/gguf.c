// SPDX-License-Identifier: GPL-2.0
/*
 * GGUF v3 reader over an untrusted buffer.
 *
 * Everything is read through a bounds-checked cursor; every count, length
 * and offset is checked against what is left of the buffer with
 * overflow-safe arithmetic before it is used, so a hostile file can at worst
 * be rejected.  Layout rules follow llama.cpp's gguf.cpp so that a file we
 * accept is one llama.cpp accepts too: tensor data packed in table order,
 * each tensor at the running offset padded to general.alignment.
 *
 * Multi-byte fields are little-endian; like ggml we read them with memcpy
 * on a little-endian host (x86-64 is the only target).
 *
 * No floating point: F32/F64 values are only ever copied as bits.
 */
#include "compat.h"
#include "gguf.h"
#include "type_traits.h"

/* Limits well above any real model and well below what could hurt us. */
#define GGUF_MAX_KV		4096u
#define GGUF_MAX_TENSORS	65536u
#define GGUF_MAX_KEY_LEN	256u
#define GGUF_MAX_STR_LEN	(16u << 20)
#define GGUF_MAX_ARR_LEN	(16u << 20)
#define GGUF_MAX_ALIGNMENT	(1u << 16)
/*
 * Tensor data is read in place with 4-byte float and 8-byte loads: every
 * tensor must start at least that aligned (llama.cpp only asks for a power
 * of two, so alignment 1 would pass there and fault or trap here).
 */
#define GGUF_MIN_ALIGNMENT	8u
/* ggml's GGML_MAX_NAME is 64 including the NUL */
#define GGUF_MAX_NAME_LEN	63u
/* per dimension; keeps row byte counts far from overflow */
#define GGUF_MAX_NE		(1ull << 40)

struct cursor {
	const u8 *buf;
	u64 len;
	u64 pos;
};

static u64 cur_left(const struct cursor *c)
{
	return c->len - c->pos;
}

static bool cur_read(struct cursor *c, void *out, u64 n)
{
	if (n > cur_left(c))
		return false;
	memcpy(out, c->buf + c->pos, n);
	c->pos += n;
	return true;
}

static bool cur_skip(struct cursor *c, u64 n)
{
	if (n > cur_left(c))
		return false;
	c->pos += n;
	return true;
}

static bool cur_u32(struct cursor *c, u32 *v)
{
	return cur_read(c, v, sizeof(*v));
}

static bool cur_u64(struct cursor *c, u64 *v)
{
	return cur_read(c, v, sizeof(*v));
}

/* A length-prefixed string of at most max bytes, left pointing into the buffer. */
static int cur_str(struct cursor *c, struct slmq_gguf_str *s, u64 max,
		   const char *what, struct slmq_err *err)
{
	u64 at = c->pos;

	if (!cur_u64(c, &s->len))
		return slmq_fail(err, -EINVAL,
				 "gguf: truncated: %s length at byte %llu runs past end of file",
				 what, (unsigned long long)at);
	if (s->len > max)
		return slmq_fail(err, -EINVAL,
				 "gguf: %s at byte %llu is %llu bytes long (limit %llu)",
				 what, (unsigned long long)at,
				 (unsigned long long)s->len, (unsigned long long)max);
	s->ptr = (const char *)c->buf + c->pos;
	if (!cur_skip(c, s->len))
		return slmq_fail(err, -EINVAL,
				 "gguf: truncated: %s at byte %llu runs past end of file",
				 what, (unsigned long long)at);
	return 0;
}

/* Bytes of one scalar value of type t, or 0 for string/array/unknown. */
static u32 scalar_size(u32 t)
{
	switch (t) {
	case SLMQ_GGUF_U8:
	case SLMQ_GGUF_I8:
	case SLMQ_GGUF_BOOL:
		return 1;
	case SLMQ_GGUF_U16:
	case SLMQ_GGUF_I16:
		return 2;
	case SLMQ_GGUF_U32:
	case SLMQ_GGUF_I32:
	case SLMQ_GGUF_F32:
		return 4;
	case SLMQ_GGUF_U64:
	case SLMQ_GGUF_I64:
	case SLMQ_GGUF_F64:
		return 8;
	default:
		return 0;
	}
}

static bool bools_valid(const u8 *p, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		if (p[i] > 1)
			return false;
	return true;
}

static int kv_name_fail(struct slmq_err *err, const struct slmq_gguf_kv *kv,
			const char *what)
{
	return slmq_fail(err, -EINVAL, "gguf: key %.*s: %s",
			 (int)kv->key.len, kv->key.ptr, what);
}

/* Validates and skips an array value; fills arr_type/arr_len. */
static int parse_array(struct cursor *c, struct slmq_gguf_kv *kv,
		       struct slmq_err *err)
{
	u64 i, bytes;
	u32 esz;

	if (!cur_u32(c, &kv->arr_type) || !cur_u64(c, &kv->arr_len))
		return kv_name_fail(err, kv, "truncated array header");
	if (kv->arr_len > GGUF_MAX_ARR_LEN)
		return kv_name_fail(err, kv, "array too long");
	kv->val = c->buf + c->pos;
	if (kv->arr_type == SLMQ_GGUF_STRING) {
		/* every element needs at least its 8-byte length */
		if (kv->arr_len > cur_left(c) / 8)
			return kv_name_fail(err, kv, "truncated: array runs past end of file");
		for (i = 0; i < kv->arr_len; i++) {
			struct slmq_gguf_str s;
			int ret = cur_str(c, &s, GGUF_MAX_STR_LEN,
					  "array string", err);

			if (ret)
				return ret;
		}
		return 0;
	}
	esz = scalar_size(kv->arr_type);
	if (!esz)
		return slmq_fail(err, -EINVAL,
				 "gguf: key %.*s: unsupported array element type %u",
				 (int)kv->key.len, kv->key.ptr, kv->arr_type);
	if (check_mul_overflow(kv->arr_len, (u64)esz, &bytes) ||
	    !cur_skip(c, bytes))
		return kv_name_fail(err, kv, "truncated: array runs past end of file");
	if (kv->arr_type == SLMQ_GGUF_BOOL && !bools_valid(kv->val, kv->arr_len))
		return kv_name_fail(err, kv, "bool array element not 0 or 1");
	return 0;
}

static int parse_value(struct cursor *c, struct slmq_gguf_kv *kv,
		       struct slmq_err *err)
{
	u64 start;
	u32 esz;
	int ret;

	if (!cur_u32(c, &kv->type))
		return kv_name_fail(err, kv, "truncated: value type runs past end of file");
	start = c->pos;
	kv->val = c->buf + c->pos;
	if (kv->type == SLMQ_GGUF_STRING) {
		struct slmq_gguf_str s;

		ret = cur_str(c, &s, GGUF_MAX_STR_LEN, "string value", err);
		if (ret)
			return ret;
	} else if (kv->type == SLMQ_GGUF_ARRAY) {
		ret = parse_array(c, kv, err);
		if (ret)
			return ret;
	} else {
		esz = scalar_size(kv->type);
		if (!esz)
			return slmq_fail(err, -EINVAL,
					 "gguf: key %.*s: unknown value type %u",
					 (int)kv->key.len, kv->key.ptr, kv->type);
		if (!cur_skip(c, esz))
			return kv_name_fail(err, kv, "truncated: value runs past end of file");
		if (kv->type == SLMQ_GGUF_BOOL && !bools_valid(kv->val, 1))
			return kv_name_fail(err, kv, "bool value not 0 or 1");
	}
	kv->val_len = c->pos - start;
	return 0;
}

/*
 * Duplicate detection with an open-addressing hash set of indices, so a file
 * with 65536 tensors costs linear time, not 4 billion comparisons.
 */
static u32 str_hash(struct slmq_gguf_str s)
{
	u32 h = 2166136261u;
	u64 i;

	for (i = 0; i < s.len; i++)
		h = (h ^ (u8)s.ptr[i]) * 16777619u;
	return h;
}

static bool str_same(struct slmq_gguf_str a, struct slmq_gguf_str b)
{
	return a.len == b.len && !memcmp(a.ptr, b.ptr, a.len);
}

struct name_set {
	u32 *slot;		/* index + 1; 0 = empty */
	u32 mask;
};

static int name_set_init(struct name_set *ns, u64 n,
			 const struct slmq_allocator *a)
{
	u32 size = 16;

	while (size < 2 * n)
		size <<= 1;
	ns->slot = slmq_alloc_array(a, size, sizeof(u32));
	ns->mask = size - 1;
	return ns->slot ? 0 : -ENOMEM;
}

/* Returns false when an equal name is already in the set. */
static bool name_set_add(struct name_set *ns, const struct slmq_gguf_str *names,
			 size_t stride, u32 idx)
{
	const struct slmq_gguf_str *s = (const void *)((const u8 *)names + stride * idx);
	u32 h = str_hash(*s) & ns->mask;

	while (ns->slot[h]) {
		const struct slmq_gguf_str *o = (const void *)((const u8 *)names +
						   stride * (ns->slot[h] - 1));

		if (str_same(*s, *o))
			return false;
		h = (h + 1) & ns->mask;
	}
	ns->slot[h] = idx + 1;
	return true;
}

static int parse_kvs(struct slmq_gguf *g, struct cursor *c,
		     const struct slmq_allocator *a, struct slmq_err *err)
{
	struct name_set ns;
	u64 i;
	int ret;

	if (name_set_init(&ns, g->n_kv, a))
		return slmq_fail(err, -ENOMEM, "gguf: out of memory");
	for (i = 0; i < g->n_kv; i++) {
		struct slmq_gguf_kv *kv = &g->kv[i];

		ret = cur_str(c, &kv->key, GGUF_MAX_KEY_LEN, "key", err);
		if (ret)
			goto out_free_set;
		if (!kv->key.len) {
			ret = slmq_fail(err, -EINVAL, "gguf: key %llu is empty",
					(unsigned long long)i);
			goto out_free_set;
		}
		if (!name_set_add(&ns, &g->kv[0].key, sizeof(*kv), i)) {
			ret = kv_name_fail(err, kv, "duplicate key");
			goto out_free_set;
		}
		ret = parse_value(c, kv, err);
		if (ret)
			goto out_free_set;
	}
	ret = 0;
out_free_set:
	slmq_free(a, ns.slot);
	return ret;
}

static int tensor_fail(struct slmq_err *err, const struct slmq_gguf_tensor *t,
		       const char *what)
{
	return slmq_fail(err, -EINVAL, "gguf: tensor %.*s: %s",
			 (int)t->name.len, t->name.ptr, what);
}

/* Shape, type and size of one tensor; offsets are checked later. */
static int check_tensor_shape(struct slmq_gguf_tensor *t, struct slmq_err *err)
{
	const struct slmq_type_traits *tt;
	u64 rows = 1, row_bytes;
	u32 d;

	if (t->n_dims < 1 || t->n_dims > SLMQ_GGUF_MAX_DIMS)
		return slmq_fail(err, -EINVAL,
				 "gguf: tensor %.*s: %u dimensions (need 1..%d)",
				 (int)t->name.len, t->name.ptr, t->n_dims,
				 SLMQ_GGUF_MAX_DIMS);
	for (d = 0; d < SLMQ_GGUF_MAX_DIMS; d++) {
		if (d >= t->n_dims)
			t->ne[d] = 1;
		if (!t->ne[d] || t->ne[d] > GGUF_MAX_NE)
			return tensor_fail(err, t, "dimension is 0 or too large");
		if (d && check_mul_overflow(rows, t->ne[d], &rows))
			return tensor_fail(err, t, "element count overflows");
	}
	tt = slmq_type_traits_of(t->type);
	if (!tt)
		return slmq_fail(err, -EINVAL,
				 "gguf: tensor %.*s: unsupported tensor type %u (slmq runs F32, F16, Q4_0, Q4_1, Q8_0)",
				 (int)t->name.len, t->name.ptr, t->type);
	row_bytes = slmq_row_bytes(t->type, t->ne[0]);
	if (!row_bytes)
		return slmq_fail(err, -EINVAL,
				 "gguf: tensor %.*s: row length %llu is not a multiple of the %s block size",
				 (int)t->name.len, t->name.ptr,
				 (unsigned long long)t->ne[0], tt->gguf_name);
	/* row_bytes itself cannot overflow: ne[0] <= 2^40 and 4 bytes per weight */
	if (check_mul_overflow(row_bytes, rows, &t->nbytes))
		return tensor_fail(err, t, "byte size overflows");
	return 0;
}

static int parse_tensor_infos(struct slmq_gguf *g, struct cursor *c,
			      const struct slmq_allocator *a,
			      struct slmq_err *err)
{
	struct name_set ns;
	u64 i;
	u32 d;
	int ret;

	if (name_set_init(&ns, g->n_tensors, a))
		return slmq_fail(err, -ENOMEM, "gguf: out of memory");
	for (i = 0; i < g->n_tensors; i++) {
		struct slmq_gguf_tensor *t = &g->tensors[i];

		ret = cur_str(c, &t->name, GGUF_MAX_NAME_LEN, "tensor name", err);
		if (ret)
			goto out_free_set;
		if (!t->name.len) {
			ret = slmq_fail(err, -EINVAL, "gguf: tensor %llu has an empty name",
					(unsigned long long)i);
			goto out_free_set;
		}
		if (!name_set_add(&ns, &g->tensors[0].name, sizeof(*t), i)) {
			ret = tensor_fail(err, t, "duplicate tensor name");
			goto out_free_set;
		}
		ret = -EINVAL;
		if (!cur_u32(c, &t->n_dims)) {
			tensor_fail(err, t, "truncated: tensor info runs past end of file");
			goto out_free_set;
		}
		if (t->n_dims < 1 || t->n_dims > SLMQ_GGUF_MAX_DIMS) {
			check_tensor_shape(t, err);
			goto out_free_set;
		}
		for (d = 0; d < t->n_dims; d++)
			if (!cur_u64(c, &t->ne[d]))
				break;
		if (d < t->n_dims || !cur_u32(c, &t->type) ||
		    !cur_u64(c, &t->offset)) {
			tensor_fail(err, t, "truncated: tensor info runs past end of file");
			goto out_free_set;
		}
		ret = check_tensor_shape(t, err);
		if (ret)
			goto out_free_set;
	}
	ret = 0;
out_free_set:
	slmq_free(a, ns.slot);
	return ret;
}

static int read_alignment(struct slmq_gguf *g, struct slmq_err *err)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, "general.alignment");
	u32 al;

	g->alignment = SLMQ_GGUF_DEFAULT_ALIGNMENT;
	if (!kv)
		return 0;
	if (kv->type != SLMQ_GGUF_U32)
		return slmq_fail(err, -EINVAL, "gguf: general.alignment is not a u32");
	memcpy(&al, kv->val, sizeof(al));
	if ((al & (al - 1)) || al < GGUF_MIN_ALIGNMENT ||
	    al > GGUF_MAX_ALIGNMENT)
		return slmq_fail(err, -EINVAL,
				 "gguf: general.alignment %u is not a power of two in %u..%u",
				 al, GGUF_MIN_ALIGNMENT, GGUF_MAX_ALIGNMENT);
	g->alignment = al;
	return 0;
}

/*
 * The data section starts at the next multiple of the alignment; every
 * tensor must lie inside it, aligned, at exactly the offset llama.cpp
 * expects (packed in table order), which also rules out overlaps.
 */
static int place_tensors(struct slmq_gguf *g, u64 info_end,
			 struct slmq_err *err)
{
	u64 start, expect = 0, i, end;

	start = info_end + (g->alignment - info_end % g->alignment) % g->alignment;
	if (start > g->len)
		return slmq_fail(err, -EINVAL,
				 "gguf: truncated: data section starts at byte %llu past end of file (%llu bytes)",
				 (unsigned long long)start, (unsigned long long)g->len);
	g->data = g->buf + start;
	g->data_len = g->len - start;
	for (i = 0; i < g->n_tensors; i++) {
		struct slmq_gguf_tensor *t = &g->tensors[i];

		if (t->offset % g->alignment)
			return slmq_fail(err, -EINVAL,
					 "gguf: tensor %.*s: offset %llu is not aligned to %u",
					 (int)t->name.len, t->name.ptr,
					 (unsigned long long)t->offset, g->alignment);
		if (check_add_overflow(t->offset, t->nbytes, &end) ||
		    end > g->data_len)
			return slmq_fail(err, -EINVAL,
					 "gguf: tensor %.*s: data (offset %llu, %llu bytes) runs past end of file",
					 (int)t->name.len, t->name.ptr,
					 (unsigned long long)t->offset,
					 (unsigned long long)t->nbytes);
		if (t->offset != expect)
			return slmq_fail(err, -EINVAL,
					 "gguf: tensor %.*s: offset %llu, expected %llu (tensors must be packed in order, no overlap)",
					 (int)t->name.len, t->name.ptr,
					 (unsigned long long)t->offset,
					 (unsigned long long)expect);
		t->data = g->data + t->offset;
		/* end <= data_len < 2^64 - alignment, so this cannot overflow */
		expect = end + (g->alignment - end % g->alignment) % g->alignment;
	}
	return 0;
}

static int parse_header(struct slmq_gguf *g, struct cursor *c,
			struct slmq_err *err)
{
	u32 magic;

	if (!cur_u32(c, &magic))
		return slmq_fail(err, -EINVAL, "gguf: truncated: file shorter than the magic");
	if (magic != SLMQ_GGUF_MAGIC)
		return slmq_fail(err, -EINVAL, "gguf: bad magic (not a GGUF file)");
	if (!cur_u32(c, &g->version) || !cur_u64(c, &g->n_tensors) ||
	    !cur_u64(c, &g->n_kv))
		return slmq_fail(err, -EINVAL, "gguf: truncated: header runs past end of file");
	if (g->version != SLMQ_GGUF_VERSION)
		return slmq_fail(err, -EINVAL, "gguf: unsupported GGUF version %u (need %d)",
				 g->version, SLMQ_GGUF_VERSION);
	/* a kv needs >= 13 bytes and a tensor info >= 32: cheap early rejection */
	if (g->n_kv > GGUF_MAX_KV || g->n_kv > cur_left(c) / 13)
		return slmq_fail(err, -EINVAL, "gguf: truncated or corrupt: key count %llu does not fit in the file",
				 (unsigned long long)g->n_kv);
	if (g->n_tensors > GGUF_MAX_TENSORS ||
	    g->n_tensors > (cur_left(c) - g->n_kv * 13) / 32)
		return slmq_fail(err, -EINVAL, "gguf: truncated or corrupt: tensor count %llu does not fit in the file",
				 (unsigned long long)g->n_tensors);
	return 0;
}

/**
 * slmq_gguf_parse() - parse and validate a GGUF v3 file held in memory
 * @g:   result; on success all pointers in it point into @buf
 * @buf: the file's bytes (untrusted); must outlive @g
 * @len: bytes in @buf
 * @a:   allocator for the kv and tensor tables
 * @err: receives one line naming the problem on failure
 *
 * Return: 0, -EINVAL for a malformed file, -ENOMEM.
 */
int slmq_gguf_parse(struct slmq_gguf *g, const void *buf, u64 len,
		    const struct slmq_allocator *a, struct slmq_err *err)
{
	struct cursor c = { .buf = buf, .len = len, .pos = 0 };
	int ret;

	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->len = len;
	ret = parse_header(g, &c, err);
	if (ret)
		return ret;
	/* +1: zero-sized allocations are legal but let's keep pointers non-NULL */
	g->kv = slmq_alloc_array(a, g->n_kv + 1, sizeof(*g->kv));
	g->tensors = slmq_alloc_array(a, g->n_tensors + 1, sizeof(*g->tensors));
	if (!g->kv || !g->tensors) {
		ret = slmq_fail(err, -ENOMEM, "gguf: out of memory");
		goto out_release;
	}
	ret = parse_kvs(g, &c, a, err);
	if (ret)
		goto out_release;
	ret = read_alignment(g, err);
	if (ret)
		goto out_release;
	ret = parse_tensor_infos(g, &c, a, err);
	if (ret)
		goto out_release;
	ret = place_tensors(g, c.pos, err);
	if (ret)
		goto out_release;
	return 0;

out_release:
	slmq_gguf_release(g, a);
	return ret;
}

/**
 * slmq_gguf_release() - free the tables slmq_gguf_parse() allocated
 * @g: parsed file (may be zeroed or partially parsed)
 * @a: the allocator given to slmq_gguf_parse()
 */
void slmq_gguf_release(struct slmq_gguf *g, const struct slmq_allocator *a)
{
	slmq_free(a, g->kv);
	slmq_free(a, g->tensors);
	g->kv = NULL;
	g->tensors = NULL;
	g->n_kv = 0;
	g->n_tensors = 0;
}

/**
 * slmq_gguf_str_eq() - compare a buffer string with a C string
 * @s:    string inside a GGUF buffer (not NUL-terminated)
 * @cstr: NUL-terminated string
 *
 * Return: true when equal.
 */
bool slmq_gguf_str_eq(struct slmq_gguf_str s, const char *cstr)
{
	size_t n = strlen(cstr);

	return s.len == n && !memcmp(s.ptr, cstr, n);
}

/**
 * slmq_gguf_find_kv() - look up a metadata key
 * @g:   parsed file
 * @key: key name
 *
 * Return: the entry or NULL.
 */
const struct slmq_gguf_kv *slmq_gguf_find_kv(const struct slmq_gguf *g,
					     const char *key)
{
	u64 i;

	for (i = 0; i < g->n_kv; i++)
		if (slmq_gguf_str_eq(g->kv[i].key, key))
			return &g->kv[i];
	return NULL;
}

/**
 * slmq_gguf_find_tensor() - look up a tensor by name
 * @g:    parsed file
 * @name: tensor name
 *
 * Return: the tensor or NULL.
 */
const struct slmq_gguf_tensor *slmq_gguf_find_tensor(const struct slmq_gguf *g,
						     const char *name)
{
	u64 i;

	for (i = 0; i < g->n_tensors; i++)
		if (slmq_gguf_str_eq(g->tensors[i].name, name))
			return &g->tensors[i];
	return NULL;
}

/* Any integer scalar as a signed 128-bit-safe pair: value fits u64 or is negative. */
static bool kv_int(const struct slmq_gguf_kv *kv, u64 *v, bool *neg)
{
	u8 b1;
	u16 b2;
	u32 b4;
	u64 b8;

	*neg = false;
	switch (kv->type) {
	case SLMQ_GGUF_U8:
		memcpy(&b1, kv->val, 1);
		*v = b1;
		return true;
	case SLMQ_GGUF_I8:
		memcpy(&b1, kv->val, 1);
		*neg = (s8)b1 < 0;
		*v = (u64)(s64)(s8)b1;
		return true;
	case SLMQ_GGUF_U16:
		memcpy(&b2, kv->val, 2);
		*v = b2;
		return true;
	case SLMQ_GGUF_I16:
		memcpy(&b2, kv->val, 2);
		*neg = (s16)b2 < 0;
		*v = (u64)(s64)(s16)b2;
		return true;
	case SLMQ_GGUF_U32:
		memcpy(&b4, kv->val, 4);
		*v = b4;
		return true;
	case SLMQ_GGUF_I32:
		memcpy(&b4, kv->val, 4);
		*neg = (s32)b4 < 0;
		*v = (u64)(s64)(s32)b4;
		return true;
	case SLMQ_GGUF_U64:
		memcpy(&b8, kv->val, 8);
		*v = b8;
		return true;
	case SLMQ_GGUF_I64:
		memcpy(&b8, kv->val, 8);
		*neg = (s64)b8 < 0;
		*v = b8;
		return true;
	default:
		return false;
	}
}

/**
 * slmq_gguf_get_u32() - read an integer key that must fit in a u32
 * @g:   parsed file
 * @key: key name
 * @out: the value
 * @err: error line on a wrong type or range
 *
 * Any integer type is accepted (converters differ) as long as the value fits.
 *
 * Return: 0, -ENOENT when absent, -EINVAL.
 */
int slmq_gguf_get_u32(const struct slmq_gguf *g, const char *key, u32 *out,
		      struct slmq_err *err)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, key);
	bool neg;
	u64 v;

	if (!kv)
		return -ENOENT;
	if (!kv_int(kv, &v, &neg))
		return slmq_fail(err, -EINVAL, "gguf: %s is not an integer", key);
	if (neg || v > 0xffffffffull)
		return slmq_fail(err, -EINVAL, "gguf: %s is out of range for a u32", key);
	*out = (u32)v;
	return 0;
}

/**
 * slmq_gguf_get_f32_bits() - read an F32 key as its IEEE bits
 * @g:   parsed file
 * @key: key name
 * @out: the bits
 * @err: error line on a wrong type
 *
 * Return: 0, -ENOENT when absent, -EINVAL.
 */
int slmq_gguf_get_f32_bits(const struct slmq_gguf *g, const char *key,
			   u32 *out, struct slmq_err *err)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != SLMQ_GGUF_F32)
		return slmq_fail(err, -EINVAL, "gguf: %s is not an f32", key);
	memcpy(out, kv->val, 4);
	return 0;
}

/**
 * slmq_gguf_get_bool() - read a bool key
 * @g:   parsed file
 * @key: key name
 * @out: the value
 * @err: error line on a wrong type
 *
 * Return: 0, -ENOENT when absent, -EINVAL.
 */
int slmq_gguf_get_bool(const struct slmq_gguf *g, const char *key, bool *out,
		       struct slmq_err *err)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != SLMQ_GGUF_BOOL)
		return slmq_fail(err, -EINVAL, "gguf: %s is not a bool", key);
	*out = kv->val[0] != 0;
	return 0;
}

/**
 * slmq_gguf_get_str() - read a string key
 * @g:   parsed file
 * @key: key name
 * @out: the string (points into the buffer, not NUL-terminated)
 * @err: error line on a wrong type
 *
 * Return: 0, -ENOENT when absent, -EINVAL.
 */
int slmq_gguf_get_str(const struct slmq_gguf *g, const char *key,
		      struct slmq_gguf_str *out, struct slmq_err *err)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != SLMQ_GGUF_STRING)
		return slmq_fail(err, -EINVAL, "gguf: %s is not a string", key);
	memcpy(&out->len, kv->val, 8);
	out->ptr = (const char *)kv->val + 8;
	return 0;
}

/**
 * slmq_gguf_arr_next_str() - next element of a validated string array
 * @kv:  an ARRAY of STRING entry from a parsed file
 * @pos: byte cursor into the array, 0 for the first element
 *
 * The caller must not call it more than kv->arr_len times.
 *
 * Return: the element (points into the buffer).
 */
struct slmq_gguf_str slmq_gguf_arr_next_str(const struct slmq_gguf_kv *kv,
					    u64 *pos)
{
	struct slmq_gguf_str s;

	memcpy(&s.len, kv->val + *pos, 8);
	s.ptr = (const char *)kv->val + *pos + 8;
	*pos += 8 + s.len;
	return s;
}
