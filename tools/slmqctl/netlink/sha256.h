/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 (FIPS 180-4), for announcing a model's hash to slmq.ko before a load. */
#ifndef SLMQCTL_SHA256_H
#define SLMQCTL_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, size_t len, uint8_t out[32]);

#endif
