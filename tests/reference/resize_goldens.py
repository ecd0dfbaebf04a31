"""Goldens for Qrt's bicubic resize: Pillow's Image.resize(size, Image.BICUBIC) on 8-bit RGB images.

Builds its source images itself (no input files), resizes each to a list of target sizes and writes, under --out:
  sources/<name>.png            the source images
  results/<name>_<W>x<H>.png    Pillow's result for each case
  manifest.json                 the reference versions, the sources and the cases
PNG keeps every byte (lossless) and shrinks the smooth images well. Nothing depends on the time or on unseeded
randomness, so a second run writes the same bytes.

  Usage (in the reference root): python3 resize_goldens.py --out DIR
"""

import argparse
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_files import versions, write_json  # noqa: E402


def photo(width, height, seed):
    """Smooth ramps in every channel, hard-edged shapes, one-pixel lines and a patch of seeded noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    red = 255.0 * x / (width - 1)
    green = 255.0 * y / (height - 1)
    blue = 127.5 + 127.5 * np.sin(x / 23.0) * np.cos(y / 17.0)
    image = np.stack([red, green, blue], axis=-1)

    # Hard edges: a black box, a white disc and a saturated stripe, all off the pixel grid's symmetry axes.
    image[height // 5 : height // 5 + 61, width // 7 : width // 7 + 97] = (0, 0, 0)
    inside = (x - 0.62 * width) ** 2 + (y - 0.35 * height) ** 2 < (0.13 * height) ** 2
    image[inside] = (255, 255, 255)
    image[:, width - 40 : width - 33] = (255, 0, 255)
    # One-pixel lines and a one-pixel checkerboard: the narrowest detail a kernel can see.
    image[height // 2, :] = (255, 255, 0)
    image[:, width // 3] = (0, 255, 255)
    checker = ((x.astype(int) + y.astype(int)) % 2) * 255.0
    rows, columns = slice(height - 50, height - 10), slice(10, 60)
    image[rows, columns] = checker[rows, columns, None]

    # Noise makes every rounding decision visible; kept to one patch so the PNGs stay small.
    rng = np.random.default_rng(seed)
    patch = (slice(height // 2 + 20, height // 2 + 70), slice(width // 2, width // 2 + 60))
    image[patch] += rng.normal(0.0, 30.0, image[patch].shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def noise(width, height, seed):
    """Uniform random bytes: every pixel independent, the hardest case for a resize."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def step(width):
    """One row, black on the left half and white on the right: upscaling overshoots and must clip."""
    row = np.zeros((1, width, 3), dtype=np.uint8)
    row[:, width // 2 :] = 255
    return row


# Source name -> (pixels, target sizes (width, height)). The list for the photo covers: sizes seen to disagree and
# to agree with Pillow before, up- and downscales by large and small factors, 1-pixel targets, the same size, one
# dimension unchanged, both sides of Pillow's choice of which pass runs first (vertical first when the height loses
# more than twice as many pixels as the width), and the multiples of 28 and 16 that Qwen2-VL and Pixtral ask for.
SOURCES = {
    "photo_481x359": (
        photo(481, 359, seed=2024),
        [
            (37, 50), (13, 7), (160, 179), (640, 480), (962, 364), (400, 400), (481, 200), (300, 359),
            (1000, 333), (500, 300), (482, 358), (960, 180), (476, 336),
            (481, 359), (1, 1), (1, 359), (481, 1), (1, 40), (40, 1), (2, 2),
            (5, 4), (24, 18), (120, 90), (240, 180), (470, 350),
            (480, 358), (479, 355), (479, 354), (474, 352), (474, 351), (470, 337), (470, 336),
            (481, 500), (700, 359), (200, 359), (481, 100), (600, 120), (120, 600), (700, 30),
            (476, 364), (448, 336), (504, 392), (224, 224), (28, 28), (56, 84),
            (480, 352), (256, 192), (16, 16),
        ],
    ),
    "noise_23x17": (
        noise(23, 17, seed=7),
        [(230, 170), (161, 119), (24, 16), (22, 18), (11, 8), (3, 2), (1, 1), (23, 1), (1, 17), (46, 9), (9, 46),
         (23, 34), (69, 17), (7, 5), (300, 4)],
    ),
    "noise_11x300": (
        noise(11, 300, seed=11),
        [(10, 30), (9, 100), (11, 150), (5, 296), (12, 290), (1, 1), (22, 600), (33, 100), (3, 3), (10, 279),
         (10, 278), (10, 298), (10, 297)],
    ),
    "column_1x9": (noise(1, 9, seed=19), [(1, 1), (1, 2), (1, 4), (1, 27), (3, 9), (4, 5), (2, 17)]),
    "row_9x1": (noise(9, 1, seed=91), [(1, 1), (2, 1), (4, 1), (27, 1), (9, 3), (5, 4), (17, 2)]),
    "tiny_3x3": (noise(3, 3, seed=33), [(1, 1), (2, 2), (4, 4), (9, 9), (2, 5), (5, 2), (28, 28), (3, 1), (1, 3)]),
    "step_4x1": (step(4), [(13, 1), (40, 3), (2, 1), (3, 1)]),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory to write sources/, results/ and manifest.json into")
    out = parser.parse_args().out
    os.makedirs(os.path.join(out, "sources"), exist_ok=True)
    os.makedirs(os.path.join(out, "results"), exist_ok=True)

    sources, cases = [], []
    for name, (pixels, targets) in SOURCES.items():
        source = Image.fromarray(pixels, "RGB")
        source_file = f"sources/{name}.png"
        source.save(os.path.join(out, source_file), format="PNG", optimize=True)
        sources.append({"name": name, "file": source_file, "width": source.width, "height": source.height})
        for width, height in targets:
            result = source.resize((width, height), Image.BICUBIC)
            assert result.mode == "RGB" and result.size == (width, height)
            result_file = f"results/{name}_{width}x{height}.png"
            result.save(os.path.join(out, result_file), format="PNG", optimize=True)
            cases.append({"source": name, "width": width, "height": height, "file": result_file})

    write_json(
        os.path.join(out, "manifest.json"),
        {
            "what": "Pillow Image.resize((width, height), Image.BICUBIC) of 8-bit RGB sources; PNG files, lossless",
            "versions": versions(),
            "sources": sources,
            "cases": cases,
        },
    )
    print(f"{len(sources)} sources, {len(cases)} cases written to {out}")


if __name__ == "__main__":
    main()
