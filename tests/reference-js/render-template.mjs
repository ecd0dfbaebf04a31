// Reference chat-template rendering with Hugging Face's own JavaScript Jinja implementation.
// stdin:  [{"template": string, "context": object}...]
// stdout: [{"output": string} | {"error": string}...]
import { Template } from "@huggingface/jinja";

const cases = JSON.parse(await readStdin());
const results = cases.map(({ template, context }) => {
  try {
    return { output: new Template(template).render(context) };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(results));

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
