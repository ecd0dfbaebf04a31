"""Does transformers load what `qrt synth` writes? Every given checkpoint goes through AutoConfig, AutoTokenizer,
AutoProcessor (vision-language models) and its model class's from_pretrained, as a user would call them; the load
must leave no tensor missing, unexpected or mis-shaped.

Usage (inside the reference root): load_check.py --checkpoints DIR --out FILE [--update] [CASE ...]
Each CASE is a directory DIR/CASE with DIR/CASE.synth.json beside it. FILE receives one entry per case: "clean", or
the known problem it hit. A known problem is a format that transformers 5.12 with compressed-tensors 0.17 loads
without an error but wrongly; KNOWN_PROBLEMS says which and why, and reference_model.py computes the goldens of
those formats another way. The script fails on any other outcome: a new problem, a crash, or a known problem that
no longer happens (then the table is out of date).
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_files  # noqa: E402

VISION = ("pixtral", "qwen2-vl")
COMPRESSED_TENSORS = ("w4a16", "w4a16-asym", "w4a16-actorder", "w8a8-int8", "w8a8-int8-static", "fp8", "fp8-static")

KNOWN_PROBLEMS = {
    "autofp8-scales-dropped": (
        "AutoFP8's per-tensor quant_method 'fp8' is not read as a quantization: weight_scale and input_scale are "
        "UNEXPECTED and the e4m3 codes are taken as plain weights"
    ),
    "mixtral-experts-not-quantized": (
        "transformers 5 holds Mixtral's experts as fused 3-D parameters (mlp.experts.gate_up_proj, down_proj), not "
        "Linear modules, so compressed-tensors does not quantize them: the experts' scales are UNEXPECTED, and packed "
        "weights are MISSING their unpacking"
    ),
    "vision-tower-ignore-unmatched": (
        "the released recipes' ignore patterns (re:vision_tower.*, re:multi_modal_projector.*, re:visual.*) are "
        "matched against transformers 5's module names (model.vision_tower.*, model.visual.*), so the unquantized "
        "tower and projector get quantization wrappers whose scales are MISSING"
    ),
}


def expected_problem(arch, scheme):
    """The known problem of this architecture and scheme, or None where the load must be clean."""
    if scheme == "autofp8":
        return "autofp8-scales-dropped"
    if scheme in COMPRESSED_TENSORS and arch == "mixtral":
        return "mixtral-experts-not-quantized"
    if scheme in COMPRESSED_TENSORS and arch in VISION:
        return "vision-tower-ignore-unmatched"
    return None


def observed_problem(arch, info):
    """Which known problem the load report shows, judged from the report itself (None for a clean load)."""
    missing, unexpected = sorted(info["missing_keys"]), sorted(info["unexpected_keys"])
    if info.get("mismatched_keys") or info.get("error_msgs"):
        return "mis-shaped: " + ", ".join(map(str, info.get("mismatched_keys") or info.get("error_msgs")))[:300]
    if not missing and not unexpected:
        return None
    if arch == "mixtral" and all(".experts." in k for k in missing + unexpected):
        return "mixtral-experts-not-quantized"
    if unexpected and not missing and all(k.endswith(("weight_scale", "input_scale")) for k in unexpected):
        return "autofp8-scales-dropped"
    if arch in VISION and all(("vision_tower" in k or "visual" in k or "multi_modal_projector" in k) for k in missing + unexpected):
        return "vision-tower-ignore-unmatched"
    return f"missing {missing[:4]}, unexpected {unexpected[:4]}"


def load(case_dir, arch):
    import transformers
    from transformers import AutoConfig, AutoProcessor, AutoTokenizer

    config = AutoConfig.from_pretrained(case_dir)
    AutoTokenizer.from_pretrained(case_dir)
    if arch in VISION:
        AutoProcessor.from_pretrained(case_dir)
    model_class = getattr(transformers, config.architectures[0])
    _, info = model_class.from_pretrained(case_dir, dtype=torch.float32, output_loading_info=True)
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--update", action="store_true", help="add to the cases already in FILE instead of replacing it")
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(1)
    results, failures = {}, []
    if args.update and os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as file:
            results = json.load(file)["cases"]
    for case in args.cases:
        with open(os.path.join(args.checkpoints, case + ".synth.json"), encoding="utf-8") as file:
            synth = json.load(file)
        expected = expected_problem(synth["arch"], synth["scheme"])
        try:
            observed = observed_problem(synth["arch"], load(os.path.join(args.checkpoints, case), synth["arch"]))
        except Exception as error:  # noqa: BLE001 - any failure to load is a finding to report
            observed = f"{type(error).__name__}: {str(error)[:300]}"
        results[case] = {"synth_command": synth["command"], "outcome": observed or "clean"}
        print(f"{case}: {observed or 'clean'}", flush=True)
        if observed != expected:
            failures.append(f"{case}: expected {expected or 'clean'}, observed {observed or 'clean'}")
    golden_files.write_json(args.out, {"versions": golden_files.versions(), "known_problems": KNOWN_PROBLEMS, "cases": results})
    if failures:
        print("load check failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
