// Reference Unicode normalization: String.prototype.normalize (ICU), for the normalizer tests.
// Texts travel as arrays of code points and results as arrays of UTF-16 code units, because JSON readers
// reject lone surrogates and the tests include them.
// stdin:  {"forms": ["NFC" | "NFD" | "NFKC" | "NFKD"...], "texts": [[codePoint...]...]}
// stdout: {"unicode": ICU's Unicode version, "results": [[[codeUnit...] for each text] for each form]}
const input = JSON.parse(await readStdin());
const texts = input.texts.map((codePoints) => codePoints.map((codePoint) => String.fromCodePoint(codePoint)).join(""));
const results = input.forms.map((form) => texts.map((text) => codeUnits(text.normalize(form))));
process.stdout.write(JSON.stringify({ unicode: process.versions.unicode, results }));

function codeUnits(text) {
  const units = new Array(text.length);
  for (let index = 0; index < text.length; index++) units[index] = text.charCodeAt(index);
  return units;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
