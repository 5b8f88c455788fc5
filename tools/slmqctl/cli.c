// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by all slmqctl commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

bool cli_quiet;

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("slmqctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("slmqctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_progress(const char *what, unsigned long long done,
		  unsigned long long total)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty || cli_quiet || !total)
		return;
	fprintf(stderr, "\r%s: %llu/%llu (%3llu%%)", what, done, total,
		done * 100 / total);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

void cli_print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

int cli_read_file(const char *path, void **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + got, (size_t)st.st_size - got);

		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;

			free(p);
			close(fd);
			return e;
		}
		got += (size_t)n;
	}
	close(fd);
	p[got] = 0;
	*buf = p;
	*len = got;
	return 0;
}

int cli_write_file(const char *path, const void *buf, size_t len)
{
	char tmp[4200];
	const char *p = buf;
	int fd, e = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			e = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!e && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, path) < 0)
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

static void *user_alloc(void *ctx, size_t size)
{
	void *p = NULL;

	(void)ctx;
	if (posix_memalign(&p, 64, size ? size : 1))
		return NULL;
	memset(p, 0, size);
	return p;
}

static void user_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

const struct slmq_allocator cli_allocator = {
	.alloc = user_alloc,
	.free = user_free,
};

const char *cli_basename(const char *path, char *buf, size_t len)
{
	const char *s;
	size_t n;

	snprintf(buf, len, "%s", path);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	s = strrchr(buf, '/');
	return s ? s + 1 : buf;
}

struct json_object *cli_json_parse_object(const char *json, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root = NULL;

	if (len > INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (root && !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		root = NULL;
	}
	return root;
}

const char *cli_json_str(struct json_object *o, const char *dflt)
{
	return json_object_is_type(o, json_type_string) ? json_object_get_string(o) : dflt;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_parse_kv(const char *arg, u32 *session_flags)
{
	if (!strcmp(arg, "f16"))
		*session_flags &= ~SLMQ_SESSION_KV_F32;
	else if (!strcmp(arg, "f32"))
		*session_flags |= SLMQ_SESSION_KV_F32;
	else
		return cli_fail("--kv: '%s' is not f16 or f32", arg);
	return 0;
}

const char *cli_kv_name(u32 session_flags)
{
	return session_flags & SLMQ_SESSION_KV_F32 ? "f32" : "f16";
}
