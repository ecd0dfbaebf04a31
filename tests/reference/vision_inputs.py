"""The images and the image prompt of the vision-language goldens, and what transformers' processors make of them.

Two images of odd sizes, drawn here with fixed arithmetic (no randomness) and saved with Pillow: a PNG with an alpha
channel (some pixels fully transparent, some half) and a JPEG (quality 85, Pillow's default 4:2:0 subsampling). The
processor golden of each architecture (OUT/vision/<arch>/) holds the files, the RGB pixels Pillow decodes from them
after the processor's convert_to_rgb, the expanded prompt ids, the image sizes or grid, and the pixel values of both
of transformers' image-processor backends:

- "pil", Pillow resizing (`Image.resize(..., BICUBIC)`): what the model goldens use, and what Qrt's preprocessing
  must reproduce bit for bit;
- "torchvision", the backend transformers 5 picks by default when torchvision is installed (tensor resizing with
  antialiasing): recorded so that its distance from Pillow's is known, not used for logits.
"""

import os

import torch
from PIL import Image

MESSAGES = [
    {
        "role": "user",
        "content": [{"type": "image"}, {"type": "image"}, {"type": "text", "text": "Which of the two pictures is brighter?"}],
    }
]

IMAGE_FILES = ("image-0.png", "image-1.jpg")


def draw_images(directory):
    """Writes the two images into `directory` (same bytes on every run) and returns their paths."""
    os.makedirs(directory, exist_ok=True)
    width, height = 45, 37
    rgba = Image.new("RGBA", (width, height))
    rgba.putdata([
        (x * 255 // (width - 1), y * 255 // (height - 1), (x * y * 7) % 256, 0 if x < 9 and y < 7 else (255 if (x + y) % 3 else 128))
        for y in range(height) for x in range(width)
    ])
    width, height = 150, 97
    rgb = Image.new("RGB", (width, height))
    rgb.putdata([
        ((x * 3 + y) % 256, 255 - (y * 255 // (height - 1)), 255 if (x // 20 + y // 16) % 2 else 40)
        for y in range(height) for x in range(width)
    ])
    paths = [os.path.join(directory, name) for name in IMAGE_FILES]
    rgba.save(paths[0], format="PNG", optimize=False)
    rgb.save(paths[1], format="JPEG", quality=85)
    return paths


def _processor(case_dir, backend):
    from transformers import AutoImageProcessor, AutoProcessor

    # The image processor is chosen on its own: a `backend` given to AutoProcessor would also reach Qwen2-VL's
    # video processor, which refuses it.
    return AutoProcessor.from_pretrained(case_dir, image_processor=AutoImageProcessor.from_pretrained(case_dir, backend=backend))


def _process(processor, paths):
    images = [Image.open(path) for path in paths]
    messages = [{"role": m["role"], "content": [dict(part) for part in m["content"]]} for m in MESSAGES]
    pictures = iter(images)
    for part in messages[0]["content"]:
        if part["type"] == "image":
            part["image"] = next(pictures)
    return processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt")


def model_inputs(batch, arch):
    """The vision keyword arguments of the model's forward, from a processor's output."""
    if arch == "pixtral":
        return {"pixel_values": batch["pixel_values"], "image_sizes": batch["image_sizes"]}
    # mm_token_type_ids marks the image tokens, from which transformers computes the M-RoPE positions.
    return {"pixel_values": batch["pixel_values"], "image_grid_thw": batch["image_grid_thw"], "mm_token_type_ids": batch["mm_token_type_ids"]}


def prepare(case_dir, arch, image_dir):
    """The expanded prompt ids, the model inputs (Pillow backend), and the processor golden's record and tensors."""
    paths = [os.path.join(image_dir, name) for name in IMAGE_FILES]
    pil = _processor(case_dir, "pil")
    torchvision = _processor(case_dir, "torchvision")
    batch = _process(pil, paths)
    other = _process(torchvision, paths)
    ids = [int(i) for i in batch["input_ids"][0]]
    if ids != [int(i) for i in other["input_ids"][0]]:
        raise ValueError(f"{case_dir}: the two image-processor backends expand the prompt differently")

    text = pil.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    record = {
        "messages": MESSAGES,
        "prompt_text": text,
        "prompt_ids_before_expansion": [int(i) for i in pil.tokenizer(text, add_special_tokens=False)["input_ids"]],
        "prompt_ids": ids,
        "images": [{"file": name, "mode": Image.open(path).mode, "width": Image.open(path).width, "height": Image.open(path).height} for name, path in zip(IMAGE_FILES, paths)],
        "image_processor": {"pil": type(pil.image_processor).__name__, "torchvision": type(torchvision.image_processor).__name__},
    }
    tensors = {}
    for i, path in enumerate(paths):
        # What the processor resizes: Pillow's decoding after convert_to_rgb (transformers.image_transforms).
        from transformers.image_transforms import convert_to_rgb

        tensors[f"decoded.{i}"] = torch.frombuffer(bytearray(convert_to_rgb(Image.open(path)).tobytes()), dtype=torch.uint8).reshape(Image.open(path).height, Image.open(path).width, 3)
    for backend, output in (("pil", batch), ("torchvision", other)):
        values = output["pixel_values"]
        if arch == "pixtral":
            record["image_sizes"] = [[int(v) for v in size] for size in output["image_sizes"]]
            for i, (height, width) in enumerate(record["image_sizes"]):
                tensors[f"pixel_values.{backend}.{i}"] = values[i, :, :height, :width].float().contiguous()
        else:
            record["image_grid_thw"] = [[int(v) for v in grid] for grid in output["image_grid_thw"]]
            tensors[f"pixel_values.{backend}"] = values.float()
    difference = max(float((tensors[k] - tensors[k.replace(".pil", ".torchvision")]).abs().max()) for k in tensors if ".pil" in k)
    record["torchvision_vs_pil_max_abs_difference"] = difference
    return ids, model_inputs(batch, arch), record, tensors
