"""Model goldens: for each `qrt synth` checkpoint, what the reference implementation makes of one chat prompt.

Usage (inside the reference root): model_goldens.py --checkpoints DIR --out GOLDENS [CASE ...]
Each CASE is a directory DIR/CASE written by `qrt synth`, with DIR/CASE.synth.json beside it naming the synth
options and the exact command. For each case, GOLDENS/models/CASE/ receives:

  manifest.json       versions, the synth command and the checkpoint files' SHA-256, the messages, the prompt ids
                      from the real tokenizer's apply_chat_template, the greedy continuation, what the
                      quantization was and the figures that show it applied, and for vision-language models the
                      processor's outputs (expanded ids, image sizes or grid)
  tensors.safetensors FP32 logits [positions, vocab] at the last PROMPT_POSITIONS prompt positions and at each of
                      the CONTINUATION greedy tokens (teacher-forced: the sequence is the prompt and the greedy
                      tokens, run once), and the probed layers' inputs and outputs (see probe_layers)

A vision-language case also writes GOLDENS/vision/ARCH/ (the processor golden, see vision_inputs.py) and the two
images under GOLDENS/vision/images/; its model golden holds the expanded prompt ids and the logits with the images.

Everything is computed in FP32 on one thread, so that a second run on the same kind of machine gives the same bytes.
"""

import argparse
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_files  # noqa: E402
import reference_model  # noqa: E402

PROMPT_POSITIONS = 4
CONTINUATION = 16
TEXT_MESSAGES = [{"role": "user", "content": "Tell me about the sea, and why it is blue."}]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_class_for(config):
    import transformers

    name = config["architectures"][0]
    return getattr(transformers, name)


def relative(a, b):
    """max |a - b| / max |b|: the figure every logit comparison reports."""
    return float((a.double() - b.double()).abs().max() / b.double().abs().max())


def run(reference, inputs, ids):
    """FP32 logits of the whole sequence `ids` (with the vision inputs, if any), [positions, vocab]."""
    if "mm_token_type_ids" in inputs:
        # Tokens after the prompt are text: type 0.
        types = inputs["mm_token_type_ids"]
        inputs = dict(inputs, mm_token_type_ids=torch.nn.functional.pad(types, (0, len(ids) - types.shape[1])))
    with torch.no_grad():
        output = reference.model(input_ids=torch.tensor([ids]), use_cache=False, **inputs)
    return output.logits[0].float()


def greedy(reference, inputs, prompt_ids):
    """The reference's own greedy continuation, one full forward per step (no cache involved)."""
    ids = list(prompt_ids)
    for _ in range(CONTINUATION):
        ids.append(int(run(reference, inputs, ids)[-1].argmax()))
    return ids[len(prompt_ids):]


def top_two_margins(logits):
    top = logits.topk(2, dim=-1).values
    return [float(m) for m in (top[:, 0] - top[:, 1])]


def golden(case_dir, synth, goldens):
    with open(os.path.join(case_dir, "config.json"), encoding="utf-8") as file:
        config = json.load(file)
    model_class = model_class_for(config)
    vision = synth["arch"] in ("pixtral", "qwen2-vl")

    manifest = {
        "versions": golden_files.versions(),
        "synth": {k: synth[k] for k in ("arch", "scheme", "size", "seed", "shards")},
        "synth_command": synth["command"],
        "checkpoint_sha256": {name: sha256(os.path.join(case_dir, name)) for name in sorted(os.listdir(case_dir))},
        "model_class": model_class.__name__,
    }
    tensors = {}
    if vision:
        import vision_inputs

        image_dir = os.path.join(goldens, "vision", "images")
        prompt_ids, inputs, processor_record, processor_tensors = vision_inputs.prepare(case_dir, synth["arch"], image_dir)
        processor_dir = os.path.join(goldens, "vision", synth["arch"])
        golden_files.write_json(os.path.join(processor_dir, "manifest.json"), dict(processor_record, versions=manifest["versions"], synth_command=synth["command"]))
        golden_files.write_tensors(os.path.join(processor_dir, "tensors.safetensors"), processor_tensors)
        manifest["vision"] = synth["arch"]
        manifest["messages"] = vision_inputs.MESSAGES
        manifest["prompt_text"] = processor_record["prompt_text"]
        manifest["prompt_ids_before_expansion"] = processor_record["prompt_ids_before_expansion"]
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(case_dir)
        prompt_ids = tokenizer.apply_chat_template(TEXT_MESSAGES, add_generation_prompt=True, tokenize=True, return_dict=False)
        manifest["messages"] = TEXT_MESSAGES
        manifest["prompt_text"] = tokenizer.apply_chat_template(TEXT_MESSAGES, add_generation_prompt=True, tokenize=False)
        inputs = {}
    manifest["prompt_ids"] = [int(i) for i in prompt_ids]

    reference = reference_model.ReferenceModel(case_dir, model_class)
    continuation = greedy(reference, inputs, prompt_ids)
    sequence = list(prompt_ids) + continuation
    probed = probe_layers(reference.linears)
    reference.probe([linear.name for linear in probed])
    logits = run(reference, inputs, sequence)
    manifest["probes"], probe_tensors = probe_record(reference, probed)
    tensors.update(probe_tensors)
    reference.probe([])
    first = len(prompt_ids) - PROMPT_POSITIONS
    kept = logits[first:]
    predicted = [int(i) for i in kept[PROMPT_POSITIONS - 1 : -1].argmax(dim=-1)]
    if predicted != continuation:
        raise reference_model.ReferenceError(f"{case_dir}: the teacher-forced run disagrees with its own greedy steps: {predicted} vs {continuation}")
    manifest["greedy_tokens"] = continuation
    manifest["logit_positions"] = list(range(first, len(sequence)))
    manifest["top_two_margins"] = top_two_margins(kept)
    tensors["logits"] = kept

    manifest["quantization"] = quantization_record(reference, inputs, sequence, kept, first)
    manifest["quantization"]["transformers_own_path"] = own_path_check(case_dir, model_class, synth, inputs, sequence, first)
    manifest["envelope"] = envelope(case_dir, model_class, reference, inputs, sequence, kept, first)

    out_dir = os.path.join(goldens, "models", os.path.basename(case_dir))
    golden_files.write_json(os.path.join(out_dir, "manifest.json"), manifest)
    golden_files.write_tensors(os.path.join(out_dir, "tensors.safetensors"), tensors)
    return manifest


def quantization_record(reference, inputs, sequence, kept, first):
    """What the quantization was; for activation-quantized schemes, proof that it was applied."""
    schemes = sorted({linear.scheme_text for linear in reference.linears})
    quantized_inputs = sum(1 for linear in reference.linears if linear.input_quantization is not None)
    record = {
        "kind": reference.kind,
        "quantized_layers": len(reference.linears),
        "layer_schemes": schemes,
        "activation_quantization": None,
    }
    if quantized_inputs:
        with reference.weights_only():
            weights_only = run(reference, inputs, sequence)[first:]
        effect = relative(weights_only, kept)
        if effect < 1e-4:
            raise reference_model.ReferenceError("activation quantization did not change the logits: it was not applied")
        record["activation_quantization"] = {
            "layers": quantized_inputs,
            "applied_by": "compressed_tensors.quantization.lifecycle.forward.fake_quantize on each quantized layer's input",
            "scales": sorted({scale_source(linear.input_quantization) for linear in reference.linears if linear.input_quantization}),
            "logits_relative_change_without_it": effect,
        }
    return record


def scale_source(quantization):
    """Where a layer's input scale comes from, in words."""
    args = quantization.args
    if not args.dynamic:
        return f"static {args.type}{args.num_bits} {args.strategy}: the checkpoint's input_scale" + ("" if args.symmetric else " and input_zero_point")
    if args.type == "int":
        return "dynamic int8 per token: absmax / 127 (vLLM's divisor; compressed-tensors' observer uses 127.5)"
    return f"dynamic {args.type}{args.num_bits} per {args.strategy}: compressed-tensors' observer (absmax / 448 for e4m3, as vLLM)"


def own_path_check(case_dir, model_class, synth, inputs, sequence, first):
    """Where transformers with compressed-tensors loads the checkpoint cleanly itself (load_check.py), its own forward
    (decompression on load, activation quantization in compressed-tensors' wrapped forward) against this script's
    path run with the library's own dynamic scales: they must agree to rounding, which shows that the script's path
    is the library's computation. Elsewhere, says why the check cannot run."""
    import load_check

    if reference_model.quantization_kind(json.load(open(os.path.join(case_dir, "config.json"), encoding="utf-8"))) != "compressed-tensors":
        return {"compared": False, "why": "not a compressed-tensors checkpoint"}
    problem = load_check.expected_problem(synth["arch"], synth["scheme"])
    if problem is not None:
        return {"compared": False, "why": f"transformers loads it wrongly ({problem}); see load_check.py"}
    own, info = model_class.from_pretrained(case_dir, dtype=torch.float32, output_loading_info=True)
    if any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")):
        raise reference_model.ReferenceError(f"{case_dir}: transformers' own load is not clean: {info}")
    with torch.no_grad():
        theirs = own.eval()(input_ids=torch.tensor([sequence]), use_cache=False, **inputs).logits[0].float()[first:]
    mine = run(reference_model.ReferenceModel(case_dir, model_class, activation_scales="compressed-tensors"), inputs, sequence)[first:]
    difference = relative(mine, theirs)
    if difference > 1e-5:
        raise reference_model.ReferenceError(f"{case_dir}: transformers' own path and the reference differ by {difference:.2e}")
    return {"compared": True, "max_relative_difference": difference}


ROUNDING_NOISE_SEEDS = range(1, 9)


def envelope(case_dir, model_class, reference, inputs, sequence, kept, first):
    """How far equally correct implementations drift from this FP32 run on this prompt: the same reference in FP64,
    and (for schemes that quantize activations) eight runs whose quantizer inputs are each moved by one unit in the
    last place at random, as another summation order would move them. A value that lands on the other side of a
    rounding boundary changes one code, and the change spreads through the later layers; the spread is the size
    of that effect, which no implementation can avoid. Also, per continuation step, whether every variant picks
    the same greedy token as this run (where they do not, the token is decided by rounding, not by the scheme)."""
    variants = {}
    reference64 = reference_model.ReferenceModel(case_dir, model_class, dtype=torch.float64)
    inputs64 = {k: (v.double() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in inputs.items()}
    variants["fp64"] = run(reference64, inputs64, sequence)[first:]
    if any(linear.input_quantization is not None for linear in reference.linears):
        for seed in ROUNDING_NOISE_SEEDS:
            with reference.with_rounding_noise(torch.Generator().manual_seed(seed)):
                variants[f"fp32 rounding noise, seed {seed}"] = run(reference, inputs, sequence)[first:]
    steps = range(PROMPT_POSITIONS - 1, kept.shape[0] - 1)
    return {
        "variants": {name: relative(logits, kept) for name, logits in variants.items()},
        "max_relative_difference": max(relative(logits, kept) for logits in variants.values()),
        "greedy_determinate": [all(int(v[row].argmax()) == int(kept[row].argmax()) for v in variants.values()) for row in steps],
    }


def probe_layers(linears):
    """Two quantized layers to check one by one: the first layer's query projection (its input is an RMSNorm output)
    and the last layer's down projection (a gated product, with a wider range), or an expert's for a mixture of experts."""
    if not linears:
        return []

    def layer_of(name):
        parts = name.split(".")
        return int(parts[parts.index("layers") + 1])

    text = [l for l in linears if ".layers." in l.name and "vision" not in l.name and "visual" not in l.name]
    first = min(layer_of(l.name) for l in text)
    last = max(layer_of(l.name) for l in text)
    query = [l for l in text if layer_of(l.name) == first and l.name.endswith("q_proj")]
    down = [l for l in text if layer_of(l.name) == last and (l.name.endswith("down_proj") or l.name.endswith(".w2"))]
    return query[:1] + down


def probe_record(reference, probed):
    """Each probed layer's captured input rows, the reference output and Σ|x̂·w| per output (for the rounding bound).
    For an expert, the one that received the most tokens is kept."""
    records, tensors = [], {}
    kept = {}
    for linear in probed:
        captured = reference.captured[linear.name]
        if not captured:
            continue
        x = torch.cat([c[0] for c in captured])
        kept[linear.name] = (linear, x, torch.cat([c[1] for c in captured]))
    experts = [name for name in kept if ".experts." in name]
    if experts:
        busiest = max(experts, key=lambda name: kept[name][1].shape[0])
        kept = {name: value for name, value in kept.items() if ".experts." not in name or name == busiest}
    for name, (linear, x, y) in sorted(kept.items()):
        x_hat = linear.quantized_input(x).double()
        magnitude = x_hat.abs() @ linear.weight.double().abs().t()
        if linear.bias is not None:
            magnitude = magnitude + linear.bias.double().abs()
        tensors[f"probe.{name}.input"] = x.float()
        tensors[f"probe.{name}.output"] = y.float()
        tensors[f"probe.{name}.abs_products"] = magnitude.float()
        records.append({"layer": name, "rows": int(x.shape[0]), "in_features": int(x.shape[1]), "out_features": int(y.shape[1]), "scheme": linear.scheme_text})
    return records, tensors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if any(json.load(open(os.path.join(args.checkpoints, case + ".synth.json"), encoding="utf-8"))["arch"] in ("pixtral", "qwen2-vl") for case in args.cases):
        import vision_inputs

        vision_inputs.draw_images(os.path.join(args.out, "vision", "images"))
    for case in args.cases:
        with open(os.path.join(args.checkpoints, case + ".synth.json"), encoding="utf-8") as file:
            synth = json.load(file)
        manifest = golden(os.path.join(args.checkpoints, case), synth, args.out)
        q = manifest["quantization"]
        effect = q["activation_quantization"]["logits_relative_change_without_it"] if q["activation_quantization"] else 0.0
        print(f"{case}: {len(manifest['prompt_ids'])} prompt ids, greedy {manifest['greedy_tokens'][:6]}..., "
              f"min margin {min(manifest['top_two_margins']):.2e}, envelope {manifest['envelope']['max_relative_difference']:.2e} "
              f"(determinate {sum(manifest['envelope']['greedy_determinate'])}/{len(manifest['envelope']['greedy_determinate'])}), "
              f"activation effect {effect:.2e}", flush=True)


if __name__ == "__main__":
    main()
