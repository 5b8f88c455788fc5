#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Bundle the kernel's YNL CLI for the guest (the guest has busybox only).

mkynl.py YNL_DIR SPEC OUT writes
  OUT/ynl/cli.py, OUT/ynl/lib/*.py   tools/net/ynl from linux-source
  OUT/ynl/slmq.yaml                  the family's spec
  OUT/python/usr/bin/python3         this Debian python3 (run it with
  OUT/python/usr/lib/...             PYTHONHOME=OUT/python/usr)
and of the standard library only the modules cli.py imports: it runs
cli.py --dump model-get here once (slmq.ko is not loaded on the host, so it
stops at the family lookup, after every import) and copies each loaded
module's file.  mkinitramfs.sh copies python3's shared libraries.
"""
import os
import runpy
import shutil
import sys


def main():
    ynl_dir, spec, out = sys.argv[1:4]
    ynl = os.path.join(out, "ynl")
    shutil.rmtree(ynl, ignore_errors=True)
    shutil.rmtree(os.path.join(out, "python"), ignore_errors=True)
    os.makedirs(os.path.join(ynl, "lib"))
    shutil.copy(os.path.join(ynl_dir, "cli.py"), ynl)
    for f in os.listdir(os.path.join(ynl_dir, "lib")):
        if f.endswith(".py"):
            shutil.copy(os.path.join(ynl_dir, "lib", f), os.path.join(ynl, "lib"))
    shutil.copy(spec, os.path.join(ynl, "slmq.yaml"))

    sys.argv = ["cli.py", "--spec", spec, "--no-schema", "--dump", "model-get", "--output-json"]
    sys.path.insert(0, ynl_dir)
    try:
        runpy.run_path(os.path.join(ynl_dir, "cli.py"), run_name="__main__")
    except BaseException:  # noqa: B036 -- no slmq family here: expected
        pass
    prefix = os.path.realpath(sys.base_prefix)
    files = {os.path.realpath(m.__file__) for m in list(sys.modules.values())
             if getattr(m, "__file__", None) and os.path.exists(m.__file__)}
    # Python's startup landmark, and the packages' __init__ files.
    files.add(os.path.join(prefix, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "os.py"))
    n = 0
    for f in sorted(files):
        if not f.startswith(prefix + "/") or f.startswith(os.path.realpath(ynl_dir)):
            continue
        dst = os.path.join(out, "python", "usr", os.path.relpath(f, prefix))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(f, dst)
        if f.endswith(".so"):  # executable: mkinitramfs.sh copies what ldd lists for it
            os.chmod(dst, 0o755)
        n += 1
    exe = os.path.join(out, "python", "usr", "bin", "python3")
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    shutil.copy(os.path.realpath(sys.executable), exe)
    print(f"mkynl: {n} python modules + {os.path.basename(os.path.realpath(sys.executable))}", file=sys.stderr)


if __name__ == "__main__":
    main()
