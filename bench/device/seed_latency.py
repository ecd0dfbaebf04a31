#!/usr/bin/env python3
"""The seed card's single-stream profiles on Pixtral-12B's real shapes, timed through `qrt generate --json`.

For each scheme: write the checkpoint (qrt synth), run each profile once to warm up and three times measured, and
report the median run's total latency, time to first token, decode ms/token, and the decode step's share of the
memory bandwidth: the text model's weight bytes (read once per decode step) / (step time x measured copy
bandwidth). The copy bandwidth is measured here with torch (a device-to-device copy reads and writes each byte).
The vLLM 0.7.2 H100 latencies of the seed card (pixtral-12b, FP8-Dynamic, w4a16) are printed beside ours.
"""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import time

# (name, image width, height, prompt words, output tokens), from the card's GuideLLM profiles.
PROFILES = [
    ("docVQA", 1680, 2240, 64, 128),
    ("reasoning", 640, 480, 128, 128),
    ("captioning", 480, 360, 0, 128),
]

# The card's H100x1 single-stream latencies in seconds (vLLM 0.7.2), by our scheme name.
VLLM_H100 = {
    "bf16": (1.8, 1.5, 1.4),
    "fp8": (1.4, 1.1, 1.0),
    "w4a16": (1.4, 1.1, 1.0),
}


def copy_bandwidth():
    import torch
    source = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    for _ in range(3):
        target.copy_(source)
    torch.cuda.synchronize()
    start = time.perf_counter()
    repeats = 20
    for _ in range(repeats):
        target.copy_(source)
    torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / repeats
    return 2 * source.numel() / seconds


def text_weight_bytes(directory):
    """Bytes of every tensor except the vision tower's and the projector's: what one decode step reads."""
    total = 0
    for name in os.listdir(directory):
        if not name.endswith(".safetensors"):
            continue
        with open(os.path.join(directory, name), "rb") as handle:
            length = struct.unpack("<Q", handle.read(8))[0]
            header = json.loads(handle.read(length))
        for tensor, entry in header.items():
            if tensor == "__metadata__" or "vision_tower" in tensor or "multi_modal_projector" in tensor:
                continue
            begin, end = entry["data_offsets"]
            total += end - begin
    return total


def write_image(path, width, height):
    from PIL import Image
    import random
    random.seed(width * height)
    image = Image.new("RGB", (width, height))
    image.putdata([(random.randrange(256), random.randrange(256), random.randrange(256)) for _ in range(width * height)])
    image.save(path)


def generate(qrt, model, image, words, tokens):
    prompt = " ".join(["word"] * words) if words > 0 else "."
    command = [qrt, "generate", "--model", model, "--device", "cuda", "--image", image, "--prompt", prompt,
               "--max-tokens", str(tokens), "--ignore-eos", "--temperature", "0", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} ...: {result.stderr.strip()}")
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qrt", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--schemes", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    os.makedirs(arguments.work, exist_ok=True)
    bandwidth = copy_bandwidth()
    images = {}
    for name, width, height, _, _ in PROFILES:
        images[name] = os.path.join(arguments.work, f"{name}.png")
        write_image(images[name], width, height)

    rows = []
    for scheme in arguments.schemes:
        model = os.path.join(arguments.work, f"pixtral-12b-{scheme}")
        subprocess.run([arguments.qrt, "synth", "--arch", "pixtral", "--size", "pixtral-12b", "--scheme", scheme,
                        "--out", model, "--force"], check=True, capture_output=True)
        weight_bytes = text_weight_bytes(model)
        for index, (name, _, _, words, tokens) in enumerate(PROFILES):
            try:
                generate(arguments.qrt, model, images[name], words, tokens)
                runs = sorted((generate(arguments.qrt, model, images[name], words, tokens) for _ in range(3)),
                              key=lambda run: run["timings"]["total_seconds"] - run["timings"]["load_seconds"])
                timings = runs[1]["timings"]
                latency = timings["total_seconds"] - timings["load_seconds"]
                step = 1.0 / timings["decode_tokens_per_second"]
                rows.append({
                    "scheme": scheme, "profile": name, "prompt_tokens": timings["prompt_tokens"],
                    "output_tokens": timings["output_tokens"], "latency_s": latency,
                    "ttft_s": timings["time_to_first_token_seconds"], "decode_ms_per_token": 1000 * step,
                    "bandwidth_share": weight_bytes / (step * bandwidth),
                    "vllm_h100_latency_s": VLLM_H100.get(scheme, (None,) * 3)[index],
                })
            except (RuntimeError, subprocess.TimeoutExpired, KeyError, ZeroDivisionError) as error:
                rows.append({"scheme": scheme, "profile": name, "error": str(error)})
        shutil.rmtree(model, ignore_errors=True)

    with open(os.path.join(arguments.out, "seed-latency.json"), "w") as handle:
        json.dump({"copy_bandwidth_bytes_per_s": bandwidth, "rows": rows}, handle, indent=1)
    lines = [f"copy bandwidth {bandwidth / 1e9:.0f} GB/s",
             "| scheme | profile | prompt tok | latency s | TTFT s | decode ms/tok | weights/(step x BW) | vLLM 0.7.2 H100 s |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['scheme']} | {row['profile']} | failed: {row['error'][:200]} |||||")
            continue
        vllm = "—" if row["vllm_h100_latency_s"] is None else f"{row['vllm_h100_latency_s']:.1f}"
        lines.append(f"| {row['scheme']} | {row['profile']} | {row['prompt_tokens']} | {row['latency_s']:.2f} | "
                     f"{row['ttft_s']:.3f} | {row['decode_ms_per_token']:.2f} | {row['bandwidth_share']:.2f} | {vllm} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(arguments.out, "seed-latency.md"), "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
