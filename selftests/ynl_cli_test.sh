#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own netlink CLI against the family: tools/net/ynl/cli.py
# (from the same linux-source) with Documentation/netlink/specs/slmq.yaml
# dumps the models and gets one, and its answer equals `slmqctl list
# --json` attribute for attribute (python/ is the bundle mkynl.py made).
. "$(dirname "$0")/slmq_sh_lib"

PYROOT=$TESTDIR/python/usr
PY=$PYROOT/bin/python3
export PYTHONHOME=$PYROOT PYTHONPATH=$PYROOT/lib/python3/dist-packages PYTHONDONTWRITEBYTECODE=1
ynl() {
	"$PY" "$TESTDIR/ynl/cli.py" --spec "$TESTDIR/ynl/slmq.yaml" --no-schema --output-json "$@"
}

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$DATA/tiny.gguf" --name tiny --json >/dev/null &&
	slmqctl load "$DATA/tiny-q4.gguf" --name tiny-q4 --json >/dev/null
ok $? "slmqctl load tiny, tiny-q4"
slmqctl ask tiny -p "PCI device" -n 4 --json >/dev/null
ok $? "one request on tiny (so its stats are not all zero)"
slmqctl list --json >/tmp/list.json
ok $? "slmqctl list --json"

ynl --dump model-get >/tmp/ynl-dump.json 2>/tmp/ynl.err
ok $? "ynl cli.py --dump model-get$( [ -s /tmp/ynl.err ] && echo ": $(tail -1 /tmp/ynl.err)")"
ynl --do model-get --json '{"name": "tiny-q4"}' >/tmp/ynl-get.json 2>/tmp/ynl.err
ok $? "ynl cli.py --do model-get name=tiny-q4$( [ -s /tmp/ynl.err ] && echo ": $(tail -1 /tmp/ynl.err)")"

# Each scalar attribute ynl decodes must equal slmqctl's field of the same
# name ('-' -> '_'); the test fails on any difference or if fewer than the
# spec's size/n-params/n-vocab/n-layer/n-ctx compare.
cat >/tmp/ynl_cmp.py <<'PYEOF'
import json, sys

def flat(d, pre=""):
    out = {}
    for k, v in d.items():
        k = pre + k.replace("-", "_")
        if isinstance(v, dict):
            out.update(flat(v, k + "."))
        elif not isinstance(v, list):
            out[k] = v
    return out

def ctl_flat(d, pre=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(ctl_flat(v, pre + k + "."))
        elif not isinstance(v, list):
            out[pre + k] = v
    return out

mode, ynl_path, ctl_path = sys.argv[1:4]
ynl = json.load(open(ynl_path))
ctl = {m["name"]: ctl_flat(m) for m in json.load(open(ctl_path))}
if mode == "get":
    ynl = [ynl]
names = sorted(m["name"] for m in ynl)
if mode == "dump" and names != sorted(ctl):
    sys.exit(f"models: ynl {names}, slmqctl {sorted(ctl)}")
need = {"size", "n_params", "n_vocab", "n_layer", "n_ctx"}
same = 0
for m in ynl:
    y, c = flat(m), ctl[m["name"]]
    bad = [f"{k}: ynl {y[k]!r} slmqctl {c[k]!r}" for k in y if k in c and y[k] != c[k]]
    if bad:
        sys.exit(f"{m['name']}: " + "; ".join(bad))
    if not need <= set(y) & set(c):
        sys.exit(f"{m['name']}: compared only {sorted(set(y) & set(c))}")
    same += len(set(y) & set(c))
print(f"{len(ynl)} models, {same} attributes equal")
PYEOF
r=$("$PY" /tmp/ynl_cmp.py dump /tmp/ynl-dump.json /tmp/list.json 2>&1)
ok $? "ynl dump == slmqctl list --json: $r"
r=$("$PY" /tmp/ynl_cmp.py get /tmp/ynl-get.json /tmp/list.json 2>&1)
ok $? "ynl get tiny-q4 == its slmqctl list entry: $r"

slmqctl unload tiny >/dev/null && slmqctl unload tiny-q4 >/dev/null
rmmod slmq
ok $? "unload, rmmod"
done_testing
