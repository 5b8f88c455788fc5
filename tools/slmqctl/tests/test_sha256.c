// SPDX-License-Identifier: GPL-2.0
/* slmqctl's SHA-256 against FIPS 180-4 / NIST vectors (and sha256sum for a long input). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "netlink/sha256.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int check(const void *data, size_t len, const char *want)
{
	uint8_t d[32];
	char h[65];

	sha256(data, len, d);
	hex(d, h);
	return !strcmp(h, want);
}

int main(void)
{
	static char mil[1000000];

	memset(mil, 'a', sizeof(mil));
	tap_ok(check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "empty string");
	tap_ok(check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "abc");
	tap_ok(check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
	   "448-bit message (two padding blocks)");
	tap_ok(check(mil, sizeof(mil), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	   "one million 'a'");
	return tap_done();
}
