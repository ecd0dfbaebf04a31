"""How every golden script writes its files, so that a second run on any machine gives the same bytes.

JSON: keys sorted, two-space indent, non-ASCII text written as is, one final newline. Tensors: safetensors with
the tensors' names sorted and no metadata that changes from run to run. The manifest names the library versions
the goldens came from, read from the installed packages rather than written by hand.
"""

import importlib.metadata
import json
import os
import platform

# The libraries whose behaviour the goldens record; their versions go into every manifest.
REFERENCE_PACKAGES = ("torch", "transformers", "compressed-tensors", "tokenizers", "safetensors", "numpy", "pillow", "jinja2")


def versions():
    """The versions of python and of every reference package, as installed in the reference root."""
    found = {"python": platform.python_version()}
    for name in REFERENCE_PACKAGES:
        found[name] = importlib.metadata.version(name)
    return found


def write_json(path, value):
    """Writes value as JSON in the one canonical layout (sorted keys, indent 2, UTF-8, final newline)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text + "\n")


def write_tensors(path, tensors):
    """Writes a name -> torch.Tensor mapping as safetensors (contiguous copies, names sorted by the library)."""
    from safetensors.torch import save_file

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    save_file({name: tensor.detach().contiguous().clone() for name, tensor in sorted(tensors.items())}, path)
