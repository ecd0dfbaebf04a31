using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Qrt.Runtime;
using Qrt.Runtime.Text;

namespace Qrt.Cli.Commands;

/// <summary>
/// <c>qrt tokenize</c>: the token ids a model's own tokenizer gives a text — space-separated, or with
/// <c>--json</c> an object with the ids and their token strings.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory holding tokenizer.json (and tokenizer_config.json).", Required = true };
        var text = new Option<string>("--text") { Description = "Text to tokenize.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print a JSON object with the ids and the token strings." };
        var noSpecial = new Option<bool>("--no-special") { Description = "Do not add the special tokens (BOS/EOS) the tokenizer adds by default." };
        var command = new Command("tokenize", "Turn a text into the token ids of a model's tokenizer.") { model, text, json, noSpecial };
        command.SetAction(result => Run(
            result.GetValue(model)!, result.GetValue(text)!, result.GetValue(json), result.GetValue(noSpecial), Console.Out, Console.Error));
        return command;
    }

    /// <summary>
    /// Tokenizes <paramref name="text" /> with the tokenizer in <paramref name="modelDirectory" /> and writes the
    /// result to <paramref name="output" />; a problem with the files is one line on <paramref name="error" />
    /// and exit code 1.
    /// </summary>
    public static int Run(string modelDirectory, string text, bool json, bool noSpecial, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return CommandErrors.Run(() =>
        {
            Tokenizer tokenizer;
            try
            {
                tokenizer = Tokenizer.Load(modelDirectory);
            }
            catch (ModelFileException problem)
            {
                error.WriteLine($"qrt: {problem.Message}");
                return 1;
            }

            var ids = tokenizer.Encode(text, addSpecialTokens: !noSpecial);
            output.WriteLine(json ? ToJson(tokenizer, ids) : string.Join(' ', ids.Select(id => id.ToString(CultureInfo.InvariantCulture))));
            return 0;
        });
    }

    private static string ToJson(Tokenizer tokenizer, int[] ids)
    {
        // Token strings are printed as they are (Ġ, ▁, CJK): the output is read by people and JSON parsers,
        // not embedded in HTML.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("ids");
            foreach (var id in ids)
            {
                writer.WriteNumberValue(id);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("tokens");
            foreach (var id in ids)
            {
                writer.WriteStringValue(tokenizer.IdToToken(id));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
