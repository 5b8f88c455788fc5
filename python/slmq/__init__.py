# SPDX-License-Identifier: GPL-2.0
"""The slmq agent tools as Python functions, over ``slmqctl --json``.

quantize_model(), validate_quantization() and compare_outputs() are the
three tools the quantization agent is given by name; load_model(),
list_models(), model_info(), unload_model() and ask() reach slmq.ko.  Each
runs slmqctl with --json and returns its JSON report as is (a dict, typed
with the TypedDicts below), so a result equals the report slmqctl writes.
A failure raises SlmqError carrying slmqctl's one-line error.

slmqctl is $SLMQCTL when set, else the one on PATH.  Standard library only.
"""
import json
import os
import shutil
import subprocess
import tempfile
from typing import Any, Dict, List, Optional, Sequence, TypedDict

__all__ = [
    "SlmqError", "quantize_model", "validate_quantization", "compare_outputs",
    "load_model", "list_models", "model_info", "unload_model", "ask",
    "tool_descriptions", "report_schema", "QUANT_TYPES",
    "QuantizeResult", "ValidationReport", "AutoSummary", "CompareResult",
    "PromptComparison", "ModelInfo", "AskResult",
]


class SlmqError(Exception):
    """slmqctl failed: ``message`` is its one line on stderr."""

    def __init__(self, message: str, returncode: int = 1,
                 argv: Optional[List[str]] = None):
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.argv = argv or []


class QuantizeResult(TypedDict):
    """``slmqctl quantize --json`` (fixed quant_type)."""
    output: str
    bits: int
    asym: bool
    file_type: int
    n_params: int
    weight_bytes: int
    bits_per_weight: float
    tensors: List[Dict[str, Any]]
    quantization: Dict[str, Any]


class AutoSummary(TypedDict, total=False):
    """``slmqctl quantize --auto --json``: quantization_summary.schema.json."""
    schema: str
    model: str
    name: str
    n_params: int
    policy: Dict[str, Any]
    method: str
    method_reason: str
    calib_samples: int
    thresholds: Dict[str, Any]
    attempts: List[Dict[str, Any]]
    result: str
    accepted: bool
    accepted_dir: Optional[str]


class ValidationReport(TypedDict):
    """``slmqctl validate --json``: validation_report.schema.json."""
    schema: str
    verdict: str
    failed_criteria: List[str]
    original: Dict[str, Any]
    quantized: Dict[str, Any]
    environment: Dict[str, Any]
    thresholds: Dict[str, Any]
    criteria: Dict[str, Any]


class PromptComparison(TypedDict):
    prompt: str
    original: str
    quantized: str
    original_tokens: int
    quantized_tokens: int
    identical: bool
    first_divergence: Optional[int]
    free_agree: int
    teacher_forced_agree: int
    teacher_forced_tokens: int


class CompareResult(TypedDict):
    """``slmqctl compare --json``."""
    original: str
    quantized: str
    prompts: List[PromptComparison]


class ModelInfo(TypedDict, total=False):
    """One model of ``slmqctl list --json`` / ``info --json``."""
    name: str


class AskResult(TypedDict, total=False):
    """``slmqctl ask --json``."""
    name: str
    text: str
    tokens: List[int]
    stop: str
    n_prompt_tokens: int
    latency_ns: int


# quant_type -> the quantize flags it stands for.  Method names quantize to 4
# bits unless bits= says otherwise; q4_1 is the asymmetric 4-bit block.
QUANT_TYPES: Dict[str, List[str]] = {
    "int8": ["--bits", "8"],
    "int4": ["--bits", "4"],
    "q8_0": ["--bits", "8"],
    "q4_0": ["--bits", "4"],
    "q4_1": ["--bits", "4", "--asym"],
    "auto": ["--auto"],
    "rtn": ["--method", "rtn"],
    "gptq": ["--method", "gptq"],
    "awq": ["--method", "awq"],
    "awq+gptq": ["--method", "awq+gptq"],
}


def _slmqctl() -> str:
    path = os.environ.get("SLMQCTL") or shutil.which("slmqctl")
    if not path:
        raise SlmqError("slmqctl not found (install the slmqctl package or set SLMQCTL)")
    return path


def _flags(options: Dict[str, Any]) -> List[str]:
    """Keyword options as slmqctl flags: group_size=64 -> --group-size 64;
    True -> the bare flag; False/None -> nothing; a list -> the flag then
    each item (checkpoints=[...]) or, for prompts given as p=[...], the
    flag before each item."""
    out: List[str] = []
    for key, val in options.items():
        flag = "--" + key.replace("_", "-") if len(key) > 1 else "-" + key
        if val is None or val is False:
            continue
        if val is True:
            out.append(flag)
        elif isinstance(val, (list, tuple)):
            if len(key) == 1:
                for v in val:
                    out += [flag, str(v)]
            else:
                out += [flag] + [str(v) for v in val]
        else:
            out += [flag, str(val)]
    return out


def _run(args: Sequence[str], ok_codes: Sequence[int] = (0,)) -> Any:
    argv = [_slmqctl()] + list(args) + ["--json"]
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, check=False)
    except OSError as e:
        raise SlmqError(f"cannot run {argv[0]}: {e.strerror}", 127, argv) from e
    err = [l for l in p.stderr.decode(errors="replace").splitlines()
           if l and not l.startswith("slmqctl: warning:")]
    if p.returncode not in ok_codes:
        raise SlmqError(err[-1] if err else f"slmqctl exited {p.returncode}",
                        p.returncode, argv)
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise SlmqError(f"slmqctl printed no JSON: {e}", p.returncode, argv) from e


def quantize_model(checkpoint_path: str, output_path: str, quant_type: str,
                   calibration_dataset: Optional[str] = None, **options: Any):
    """Quantize a Hugging Face Llama checkpoint into output_path/model.gguf.

    quant_type: "int8", "int4", "q8_0", "q4_0", "q4_1", "auto" (the
    acceptance loop, which takes eval=, bench= and the thresholds) or a
    method ("rtn", "gptq", "awq", "awq+gptq", 4 bits unless bits=8).
    calibration_dataset: token ids (.bin) or text, for GPTQ/AWQ.
    options: any other quantize flag, e.g. group_size=64, asym=True.
    Returns the quantize report (QuantizeResult), or for "auto" the
    quantization summary (AutoSummary; result REJECTED when no attempt
    passed, which is a result, not an error).
    """
    if quant_type not in QUANT_TYPES:
        # The CLI names what it accepts: let it say why this one is not.
        args = ["quantize", checkpoint_path, "-o", output_path, "--method", str(quant_type)]
    else:
        args = ["quantize", checkpoint_path, "-o", output_path] + QUANT_TYPES[quant_type]
        if "--method" in args and "bits" not in options:
            args += ["--bits", "4"]
    if calibration_dataset is not None:
        args += ["--calib", calibration_dataset]
    # --auto exits 3 when no attempt was ACCEPTED: the summary says why.
    return _run(args + _flags(options), ok_codes=(0, 3) if quant_type == "auto" else (0,))


def validate_quantization(original_path: str, quantized_path: str,
                          test_dataset: Optional[str] = None,
                          report_path: Optional[str] = None,
                          **options: Any) -> ValidationReport:
    """Judge quantized_path against original_path; returns the validation
    report (verdict ACCEPTED or REJECTED, each criterion's figures).

    test_dataset: perplexity data (.bin token ids or text), i.e. --eval.
    report_path: where slmqctl writes validation_report.json (default: a
    temporary file, removed).  options: bench=, eval_tokens=, stamp=True,
    thresholds such as max_ppl_increase=1.5.
    A REJECTED verdict is a result, not an error.
    """
    tmp = None
    if report_path is None:
        fd, tmp = tempfile.mkstemp(prefix="slmq-report-", suffix=".json")
        os.close(fd)
        report_path = tmp
    args = ["validate", original_path, quantized_path, "-o", report_path]
    if test_dataset is not None:
        args += ["--eval", test_dataset]
    try:
        return _run(args + _flags(options), ok_codes=(0, 3))
    finally:
        if tmp:
            os.unlink(tmp)


def compare_outputs(original_model: str, quantized_model: str,
                    prompts: Sequence[str], **options: Any) -> CompareResult:
    """Continue each prompt with both models; per-prompt agreement and first
    divergence.  options: n= (tokens), temp=, top_k=, top_p=, seed=."""
    if isinstance(prompts, str):
        prompts = [prompts]
    args = ["compare", original_model, quantized_model]
    for p in prompts:
        args += ["-p", p]
    return _run(args + _flags(options))


def load_model(path: str, name: Optional[str] = None, force: bool = False) -> Any:
    """Push a model (GGUF or quantize output directory) into slmq.ko."""
    return _run(["load", path] + _flags({"name": name, "force": force}))


def list_models() -> List[ModelInfo]:
    """The models slmq.ko serves."""
    return _run(["list"])


def model_info(name: str) -> ModelInfo:
    """One model slmq.ko serves."""
    return _run(["info", name])


def unload_model(name: str) -> Any:
    """Withdraw a model from slmq.ko."""
    return _run(["unload", name])


def ask(name: str, prompt: str, **options: Any) -> AskResult:
    """Generate inside slmq.ko.  options: n=, temp=, top_k=, top_p=, seed=."""
    return _run(["ask", name, "-p", prompt] + _flags(options))


def tool_descriptions() -> List[Dict[str, Any]]:
    """The JSON Schema descriptions of the tools (tools.json), for an LLM
    agent framework: name, description, parameters, returns."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "tools.json"), encoding="utf-8") as f:
        return json.load(f)["tools"]


def report_schema(ref: str) -> Dict[str, Any]:
    """The JSON Schema a tool's "returns" names by $ref (e.g. the
    validation report's): installed in the package's schemas/ directory,
    or, in a source tree, Documentation/schemas/."""
    name = ref.rsplit("/", 1)[-1]
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.path.join(here, "schemas"),
              os.path.join(here, "..", "..", "Documentation", "schemas")):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                return json.load(f)
    raise SlmqError(f"schema {name} not found")
