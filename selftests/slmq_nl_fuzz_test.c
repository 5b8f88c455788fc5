// SPDX-License-Identifier: GPL-2.0
/*
 * Random requests to the slmq netlink family, syzkaller style, from a fixed
 * seed: every command (and unknown ones), attributes of every type (and
 * unknown ones) with lengths right, short, long or odd, nested garbage,
 * dump and ack flags at random, names of the served model or of nothing.
 * Whatever the kernel answers, afterwards it must still serve the model it
 * served before with the same tokens, and give back every byte the requests
 * staged; under the debug kernel KASAN, kmemleak and lockdep watch each
 * handler as it runs.  Plain TAP (no kselftest harness: one long test).
 *
 *   slmq_nl_fuzz_test [ITERATIONS [SEED]]     (default 4000, 1)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <netlink/genl/genl.h>

#include "slmq_lib.h"

#define MODEL "fuzzed"
#define PROMPT "PCI device 8086:10d3 is"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state >> 11) % n : 0;
}

static int n_test;

static void tap(int ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", ++n_test, what);
	fflush(stdout);
}

/* A name that hits the served model, a staging name, or nothing. */
static void put_name(struct nl_msg *m, uint8_t cmd)
{
	static const char *const names[] = { MODEL, "stage", "", ".x", "a/b", "n" };
	const char *name = names[rnd(6)];

	/* Deleting the model under test would end the test, not find a bug. */
	if (cmd == SLMQ_CMD_MODEL_DELETE && !strcmp(name, MODEL))
		name = "stage";
	nla_put_string(m, SLMQ_A_MODEL_NAME, name);
}

/* One attribute: a plausible one half of the time, anything otherwise. */
static void put_attr(struct nl_msg *m)
{
	static const int lens[] = { 0, 1, 3, 4, 7, 8, 9, 32, 33, 64, 300 };
	uint8_t buf[300];
	uint32_t i, len, type;

	type = rnd(2) ? 1 + rnd(SLMQ_A_MODEL_MAX) : rnd(SLMQ_A_MODEL_MAX + 8);
	len = lens[rnd(sizeof(lens) / sizeof(lens[0]))];
	for (i = 0; i < len; i++)
		buf[i] = rnd(4) ? rnd(256) : (rnd(2) ? 0 : 0xff);
	if (type == SLMQ_A_MODEL_MAX_TOKENS && len == 4)
		memcpy(buf, &(uint32_t){ rnd(3) ? rnd(8) : rnd(UINT32_MAX) }, 4);
	if (type == SLMQ_A_MODEL_PROMPT_TOKENS)	/* ids mostly in the vocabulary */
		for (i = 0; i + 4 <= len; i += 4)
			memcpy(buf + i, &(uint32_t){ rnd(4) ? rnd(2048) : rnd(UINT32_MAX) }, 4);
	if (rnd(16) == 0)
		type |= NLA_F_NESTED;
	nla_put(m, type, len, buf);
}

/*
 * What the command needs to get past its first checks, so that the random
 * attributes after it reach the deeper parts of the handler.
 */
static void put_valid(struct nl_msg *m, uint8_t cmd)
{
	static const uint8_t sha[32];
	uint32_t ids[8], i;

	switch (cmd) {
	case SLMQ_CMD_LOAD_BEGIN:
		nla_put_string(m, SLMQ_A_MODEL_NAME, "stage");
		nla_put_u64(m, SLMQ_A_MODEL_SIZE, 1 + rnd(1 << 16));
		nla_put(m, SLMQ_A_MODEL_SHA256, sizeof(sha), sha);
		break;
	case SLMQ_CMD_LOAD_CHUNK:
		nla_put_string(m, SLMQ_A_MODEL_NAME, "stage");
		nla_put_u64(m, SLMQ_A_MODEL_OFFSET, rnd(2) ? 0 : rnd(1 << 16));
		nla_put(m, SLMQ_A_MODEL_DATA, 1 + rnd(64), sha);
		break;
	case SLMQ_CMD_GENERATE:
		nla_put_string(m, SLMQ_A_MODEL_NAME, MODEL);
		nla_put_string(m, SLMQ_A_MODEL_PROMPT, PROMPT);
		nla_put_u32(m, SLMQ_A_MODEL_MAX_TOKENS, 1 + rnd(4));
		break;
	case SLMQ_CMD_SCORE:
		for (i = 0; i < 8; i++)
			ids[i] = rnd(16) ? rnd(2048) : rnd(UINT32_MAX);
		nla_put_string(m, SLMQ_A_MODEL_NAME, MODEL);
		nla_put(m, SLMQ_A_MODEL_PROMPT_TOKENS, 4 * (2 + rnd(7)), ids);
		break;
	default:
		put_name(m, cmd);
		break;
	}
}

/* Counts what the replies bring without looking: the point is the kernel. */
static int on_reply(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	(*(unsigned long *)arg)++;
	return 0;
}

/* One random request; its errno, or 0. */
static int one_request(struct slmq_nl *nl, unsigned long *replies)
{
	uint8_t cmd = rnd(8) ? 1 + rnd(SLMQ_CMD_MAX) : rnd(SLMQ_CMD_MAX + 4);
	int flags = rnd(4) ? 0 : NLM_F_DUMP;
	struct nl_msg *m = slmq_nl_msg(nl, cmd, flags);
	uint32_t n = rnd(2) ? 0 : 1 + rnd(5), i;

	if (!m)
		return -ENOMEM;
	if (rnd(2))
		put_valid(m, cmd);
	else if (rnd(4))
		put_name(m, cmd);
	for (i = 0; i < n; i++)
		put_attr(m);
	return slmq_nl_call(nl, m, on_reply, replies);
}

static int tokens_of(struct slmq_nl *nl, struct st_gen *g)
{
	memset(g, 0, sizeof(*g));
	g->prompt = PROMPT;
	g->max_tokens = 8;
	return st_generate(nl, MODEL, g);
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 4000;
	unsigned long replies = 0, refused = 0, accepted = 0, k;
	static struct st_gen before, after;
	struct slmq_nl nl, fz;
	char line[256];
	long long mem0;
	size_t len;
	void *buf;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	if (!rng_state)
		rng_state = 1;
	printf("1..6\n");
	buf = st_read_file(st_data("tiny-q4.gguf"), &len);
	if (st_module_load() || !buf || slmq_nl_open(&nl)) {
		tap(0, "slmq.ko, data/tiny-q4.gguf and the family are there");
		return 1;
	}
	tap(!st_load(&nl, MODEL, buf, len) && !tokens_of(&nl, &before) && before.n_tokens,
	    "load tiny-q4 and generate with it");
	mem0 = st_mem_used();

	/* A socket of its own: closing it frees whatever its loads staged. */
	if (slmq_nl_open(&fz)) {
		tap(0, "a second netlink socket");
		return 1;
	}
	for (k = 0; k < iters; k++) {
		if (one_request(&fz, &replies))
			refused++;
		else
			accepted++;
		if (!((k + 1) % 500))	/* progress, for the guest's silence watchdog */
			printf("# %lu requests\n", k + 1), fflush(stdout);
	}
	snprintf(line, sizeof(line),
		 "%lu random requests (seed %llu): %lu accepted, %lu refused, %lu replies",
		 iters, (unsigned long long)(argc > 2 ? strtoull(argv[2], NULL, 0) : 1),
		 accepted, refused, replies);
	tap(accepted + refused == iters && refused > iters / 4 && accepted > iters / 40, line);
	slmq_nl_close(&fz);

	/* The staging copies go when the socket does (NETLINK_URELEASE). */
	for (k = 0; k < 50 && st_mem_used() != mem0; k++)
		usleep(100000);
	snprintf(line, sizeof(line), "memory_used back to %lld (is %lld)", mem0, st_mem_used());
	tap(st_mem_used() == mem0, line);
	tap(!tokens_of(&nl, &after) && after.n_tokens == before.n_tokens &&
	    !memcmp(after.tokens, before.tokens, before.n_tokens * sizeof(uint32_t)),
	    "the model still serves the same tokens");
	tap(!slmq_nl_name_cmd(&nl, SLMQ_CMD_MODEL_DELETE, MODEL), "delete it");
	slmq_nl_close(&nl);
	free(buf);
	tap(!syscall(SYS_delete_module, "slmq", O_NONBLOCK), "rmmod slmq");
	return 0;
}
