// Reference regex matches for the PreTokenizerRegex tests. A JavaScript regex with the "u" flag matches by code
// point and knows Unicode general categories (\p{L}), as Oniguruma does; a lone surrogate is one code point.
// Texts travel as code-point arrays because JSON text cannot carry lone surrogates into System.Text.Json.
// stdin:  {"patterns": [{"source": string, "flags": string}...], "texts": [[codePoint...]...]}
// stdout: {"matches": [[[[start, length]...] for each text] for each pattern]}
//         start and length in UTF-16 units; empty matches are left out.

const input = JSON.parse(await readStdin());
const texts = input.texts.map(fromCodePoints);
const matches = input.patterns.map(({ source, flags }) => {
  const regex = new RegExp(source, "g" + (flags ?? "u"));
  return texts.map((text) => {
    const spans = [];
    for (const match of text.matchAll(regex)) {
      if (match[0].length > 0) {
        spans.push([match.index, match[0].length]);
      }
    }
    return spans;
  });
});
process.stdout.write(JSON.stringify({ matches }));

function fromCodePoints(codePoints) {
  let text = "";
  for (const codePoint of codePoints) {
    text += String.fromCodePoint(codePoint);
  }
  return text;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
