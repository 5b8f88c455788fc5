#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""unittest of the slmq Python module on fixtures/pcilm-tiny: each function
on real files, compared with what slmqctl --json prints itself, each result
checked against the JSON Schema its tool description declares, and each
error path raising SlmqError with the CLI's own line.

Run: python3 python/tests/test_slmq.py [--tap]   (SLMQCTL: the binary)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "python"))
os.environ.setdefault("SLMQCTL", os.path.join(REPO, "tools", "slmqctl", "slmqctl"))

import slmq  # noqa: E402

FIX = os.path.join(REPO, "fixtures", "pcilm-tiny")
DATA = os.path.join(REPO, "fixtures", "oscorpus")
CTL = os.environ["SLMQCTL"]
# Small validation budgets: the tiny model, a 512-token eval slice.
FAST = dict(eval_tokens=512, bench_limit=10, speed_runs=1, speed_tokens=8, gen_tokens=8)

try:
    import jsonschema
except ImportError:  # python3-jsonschema is in scripts/deps.sh
    jsonschema = None


def cli_json(*args):
    """What slmqctl --json itself prints, for comparison."""
    out = subprocess.run([CTL, *args, "--json"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=False).stdout
    return json.loads(out)


def cli_json_file(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cli_error(*args):
    """The one line slmqctl prints on stderr when it fails."""
    p = subprocess.run([CTL, *args, "--json"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, check=False)
    lines = [l for l in p.stderr.decode().splitlines() if "warning:" not in l]
    assert p.returncode != 0, args
    return lines[-1]


def strip_times(obj):
    """Reports without their wall-clock figures (seconds, tok/s, rss)."""
    if isinstance(obj, dict):
        return {k: strip_times(v) for k, v in obj.items()
                if not any(t in k for t in ("seconds", "rss", "tok_s", "speed", "latency", "_ns", "date", "time"))}
    if isinstance(obj, list):
        return [strip_times(v) for v in obj]
    return obj


class SlmqTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="slmq-py-")
        cls.q8 = os.path.join(cls.tmp, "q8")
        cls.q8_result = slmq.quantize_model(FIX, cls.q8, "int8")
        cls.tools = {t["name"]: t for t in slmq.tool_descriptions()}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def out(self, name):
        return os.path.join(self.tmp, name)

    def check_schema(self, tool, result, branch=None):
        if jsonschema is None:
            self.fail("python3-jsonschema missing (make deps)")
        schema = self.tools[tool]["returns"]
        if branch is not None:
            schema = schema["oneOf"][branch]
        if "$ref" in schema:
            schema = slmq.report_schema(schema["$ref"])
        jsonschema.Draft202012Validator(schema).validate(result)

    # quantize_model
    def test_quantize_int8(self):
        r = self.q8_result
        self.assertEqual(r["bits"], 8)
        self.assertTrue(os.path.isfile(os.path.join(self.q8, "model.gguf")))
        self.assertEqual(r["output"], os.path.join(self.q8, "model.gguf"))
        self.assertEqual(strip_times(r), strip_times(
            cli_json("quantize", FIX, "-o", self.out("q8-cli"), "--bits", "8")) | {"output": r["output"]})
        self.check_schema("quantize_model", r, 0)

    def test_quantize_gptq_text_calibration(self):
        r = slmq.quantize_model(FIX, self.out("gptq"), "gptq", os.path.join(DATA, "val.txt"),
                                calib_samples=4, act_order=True)
        self.assertEqual((r["bits"], r["quantization"]["method"], r["quantization"]["act_order"]),
                         (4, "gptq", True))
        self.check_schema("quantize_model", r, 0)

    def test_quantize_q4_1_is_asymmetric(self):
        r = slmq.quantize_model(FIX, self.out("q41"), "q4_1")
        self.assertEqual((r["bits"], r["asym"]), (4, True))
        self.assertIn("q4_1", {t["type"] for t in r["tensors"]})

    def test_quantize_auto(self):
        r = slmq.quantize_model(FIX, self.out("auto"), "auto", eval=os.path.join(DATA, "test.bin"),
                                bench=os.path.join(DATA, "os_bench.jsonl"), **FAST)
        self.assertEqual(r["result"] == "ACCEPTED", r["accepted"] is not None)
        if r["accepted"]:
            self.assertTrue(os.path.isfile(os.path.join(r["accepted_dir"], "model.gguf")))
        self.assertEqual(r, cli_json_file(os.path.join(self.out("auto"), "quantization_summary.json")))
        self.check_schema("quantize_model", r, 1)

    def test_quantize_auto_rejected_is_a_result(self):
        # A speed bar no model meets: every attempt REJECTED, slmqctl exits 3.
        r = slmq.quantize_model(FIX, self.out("auto-rej"), "auto", eval=os.path.join(DATA, "test.bin"),
                                min_speedup=1000, **FAST)
        self.assertEqual((r["result"], r["accepted"]), ("REJECTED", None))
        self.assertTrue(r["attempts"])
        self.check_schema("quantize_model", r, 1)

    def test_quantize_missing_checkpoint(self):
        missing = self.out("no-such-model")
        with self.assertRaises(slmq.SlmqError) as cm:
            slmq.quantize_model(missing, self.out("x"), "int8")
        self.assertEqual(cm.exception.message,
                         cli_error("quantize", missing, "-o", self.out("x"), "--bits", "8"))
        self.assertNotEqual(cm.exception.returncode, 0)

    def test_quantize_bad_quant_type(self):
        with self.assertRaises(slmq.SlmqError) as cm:
            slmq.quantize_model(FIX, self.out("x"), "int5")
        self.assertIn("'int5'", cm.exception.message)
        self.assertEqual(cm.exception.message,
                         cli_error("quantize", FIX, "-o", self.out("x"), "--method", "int5"))

    def test_quantize_unreadable_calibration(self):
        for bad in (self.out("missing.bin"), self.tmp):  # absent; a directory
            with self.assertRaises(slmq.SlmqError) as cm:
                slmq.quantize_model(FIX, self.out("x"), "gptq", bad)
            self.assertEqual(cm.exception.message, cli_error(
                "quantize", FIX, "-o", self.out("x"), "--method", "gptq", "--bits", "4", "--calib", bad))
            self.assertIn(bad, cm.exception.message)

    # validate_quantization
    def test_validate(self):
        r = slmq.validate_quantization(FIX, self.q8, os.path.join(DATA, "test.bin"),
                                       bench=os.path.join(DATA, "os_bench.jsonl"), **FAST)
        self.assertIn(r["verdict"], ("ACCEPTED", "REJECTED"))
        self.assertEqual(r["verdict"] == "REJECTED", bool(r["failed_criteria"]))
        self.check_schema("validate_quantization", r)
        cli = cli_json("validate", FIX, self.q8, "--eval", os.path.join(DATA, "test.bin"),
                       "--bench", os.path.join(DATA, "os_bench.jsonl"), "-o", self.out("cli-report.json"),
                       *sum(([f"--{k.replace('_', '-')}", str(v)] for k, v in FAST.items()), []))
        # The same report but for what the clock measured (speed, seconds).
        self.assertEqual(strip_times(r["original"]), strip_times(cli["original"]))
        self.assertEqual(strip_times(r["quantized"]), strip_times(cli["quantized"]))
        self.assertEqual(r["thresholds"], cli["thresholds"])
        self.assertEqual(r["criteria"].keys(), cli["criteria"].keys())
        for k in r["criteria"]:
            if "speed" not in k:
                self.assertEqual(strip_times(r["criteria"][k]), strip_times(cli["criteria"][k]), k)

    def test_validate_rejected_is_a_result(self):
        path = self.out("kept.json")
        r = slmq.validate_quantization(FIX, self.q8, os.path.join(DATA, "test.bin"),
                                       report_path=path, max_ppl_increase=0, min_speedup=1000, **FAST)
        self.assertEqual(r["verdict"], "REJECTED")
        with open(path, encoding="utf-8") as f:
            self.assertEqual(json.load(f), r)

    def test_validate_missing_model(self):
        missing = self.out("no-such.gguf")
        with self.assertRaises(slmq.SlmqError) as cm:
            slmq.validate_quantization(FIX, missing, os.path.join(DATA, "test.bin"))
        self.assertIn(missing, cm.exception.message)
        self.assertEqual(cm.exception.message, cli_error(
            "validate", FIX, missing, "-o", self.out("r.json"), "--eval", os.path.join(DATA, "test.bin")))

    def test_validate_unreadable_dataset(self):
        with self.assertRaises(slmq.SlmqError) as cm:
            slmq.validate_quantization(FIX, self.q8, self.tmp, **FAST)
        self.assertTrue(cm.exception.message.startswith("slmqctl: "), cm.exception.message)

    # compare_outputs
    def test_compare(self):
        prompts = ["The kernel", "Linux"]
        r = slmq.compare_outputs(FIX, self.q8, prompts, n=8)
        self.assertEqual([p["prompt"] for p in r["prompts"]], prompts)
        self.assertEqual(r, cli_json("compare", FIX, self.q8, "-p", prompts[0], "-p", prompts[1], "-n", "8"))
        self.check_schema("compare_outputs", r)

    def test_compare_needs_prompts(self):
        with self.assertRaises(slmq.SlmqError) as cm:
            slmq.compare_outputs(FIX, self.q8, [])
        self.assertEqual(cm.exception.message, cli_error("compare", FIX, self.q8))

    # kernel side: slmq.ko is not loaded on the build machine, so each call
    # raises with the CLI's line (the guest tests exercise the module).
    def test_kernel_calls_without_module(self):
        if os.path.isdir("/sys/module/slmq"):
            self.skipTest("slmq.ko is loaded here")
        want = cli_error("list")
        for call in (slmq.list_models, lambda: slmq.model_info("tiny"),
                     lambda: slmq.ask("tiny", "hi"), lambda: slmq.unload_model("tiny"),
                     lambda: slmq.load_model(os.path.join(self.q8, "model.gguf"))):
            with self.assertRaises(slmq.SlmqError) as cm:
                call()
            self.assertEqual(cm.exception.message, want)

    def test_missing_binary(self):
        old = os.environ["SLMQCTL"]
        os.environ["SLMQCTL"] = self.out("no-slmqctl")
        try:
            with self.assertRaises(slmq.SlmqError) as cm:
                slmq.list_models()
            self.assertIn("no-slmqctl", cm.exception.message)
        finally:
            os.environ["SLMQCTL"] = old

    # tool descriptions
    def test_tool_descriptions(self):
        self.assertEqual(sorted(self.tools), ["compare_outputs", "quantize_model", "validate_quantization"])
        for t in self.tools.values():
            fn = getattr(slmq, t["name"])
            names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
            self.assertEqual(set(t["parameters"]["required"]) - set(names), set(), t["name"])
            if jsonschema:
                jsonschema.Draft202012Validator.check_schema(t["parameters"])
        self.assertEqual(set(self.tools["quantize_model"]["parameters"]["properties"]["quant_type"]["enum"]),
                         set(slmq.QUANT_TYPES))


class TapResult(unittest.TextTestResult):
    n = 0

    def _tap(self, test, ok, why=""):
        TapResult.n += 1
        print(f"{'ok' if ok else 'not ok'} {TapResult.n} - {test.id().split('.', 1)[1]}{why}", flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._tap(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._tap(test, False)

    def addError(self, test, err):
        super().addError(test, err)
        self._tap(test, False)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._tap(test, True, f" # SKIP {reason}")


if __name__ == "__main__":
    if "--tap" in sys.argv:
        sys.argv.remove("--tap")
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(SlmqTest)
        print(f"1..{suite.countTestCases()}")
        res = unittest.TextTestRunner(stream=sys.stderr, resultclass=TapResult, verbosity=0).run(suite)
        sys.exit(0 if res.wasSuccessful() else 1)
    unittest.main()
