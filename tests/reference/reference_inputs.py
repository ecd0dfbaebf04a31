"""The inputs the golden scripts share with the NUnit tests (tests/reference/inputs/*.json), read the way the tests
read them, so both sides work on the same texts and conversations under the same names."""

import json
import os

INPUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inputs")


def _load(name):
    with open(os.path.join(INPUTS, name), encoding="utf-8") as file:
        return json.load(file)


def corpus_entries():
    """Every tokenizer-corpus entry as (name, text, excluded_reason), in file order.

    An entry that is not well-formed UTF-16 is given as code points; its text is rebuilt with lone surrogates
    kept (Python strings can hold them), and excluded_reason says why the real libraries cannot take it.
    """
    entries = []
    for entry in _load("tokenizer-corpus.json")["entries"]:
        if "code_points" in entry:
            text = "".join(chr(code_point) for code_point in entry["code_points"])
        else:
            text = entry["text"]
        entries.append((entry["name"], text, entry.get("excluded_from_goldens")))
    return entries


def _expand(conversation, tools):
    """One conversation as the rendered cases it stands for (two when add_generation_prompt is "both")."""
    base = {
        "messages": conversation["messages"],
        "tools": tools[conversation["tools"]] if "tools" in conversation else None,
        "extra": conversation.get("extra", {}),
    }
    mode = conversation["add_generation_prompt"]
    if mode == "both":
        return [
            dict(base, name=conversation["name"] + ", generation prompt", add_generation_prompt=True),
            dict(base, name=conversation["name"] + ", no generation prompt", add_generation_prompt=False),
        ]
    if not isinstance(mode, bool):
        raise ValueError(f"conversation '{conversation['name']}': add_generation_prompt must be true, false or \"both\"")
    return [dict(base, name=conversation["name"], add_generation_prompt=mode)]


def chat_conversations():
    """The conversations of chat-conversations.json, expanded into rendered cases.

    Returns {"real_templates": {"models": [...], "cases": [...]},
             "format_templates": {"special_tokens": {...}, "cases": [... each with "template"]}}.
    """
    data = _load("chat-conversations.json")
    tools = data["tools"]
    real = data["real_templates"]
    formats = data["format_templates"]
    format_cases = []
    for conversation in formats["conversations"]:
        for case in _expand(conversation, tools):
            format_cases.append(dict(case, template=conversation["template"]))
    return {
        "real_templates": {
            "models": real["models"],
            "cases": [case for conversation in real["conversations"] for case in _expand(conversation, tools)],
        },
        "format_templates": {"special_tokens": formats["special_tokens"], "cases": format_cases},
    }


def tokenizer_variants():
    """tokenizer-variants.json: {"entries": [corpus entry names], "variants": [...]}, as written."""
    return _load("tokenizer-variants.json")
