#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Python module (python/slmq) on fixtures/pcilm-tiny: unittest, as TAP.
cd "$(dirname "$0")/../../.." || exit 1
SLMQCTL=${SLMQCTL:-$PWD/tools/slmqctl/slmqctl} exec python3 python/tests/test_slmq.py --tap
