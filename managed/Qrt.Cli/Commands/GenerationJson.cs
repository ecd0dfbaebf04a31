using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Qrt.Runtime;

namespace Qrt.Cli.Commands;

/// <summary>The one JSON object <c>qrt generate --json</c> prints, written field by field (no reflection, for AOT).</summary>
internal static class GenerationJson
{
    public static string Write(GenerationResult result, double loadSeconds)
    {
        using var buffer = new MemoryStream();
        // Generated text is printed as it is (accents, CJK): the output is read by people and JSON parsers.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            WriteIds(writer, "prompt_token_ids", result.PromptTokenIds);
            WriteIds(writer, "output_token_ids", result.OutputTokenIds);
            writer.WriteString("text", result.Text);
            writer.WriteString("finish_reason", FinishReasonName(result.FinishReason));
            writer.WriteStartObject("timings");
            var timings = result.Timings;
            writer.WriteNumber("load_seconds", loadSeconds);
            writer.WriteNumber("prompt_tokens", timings.PromptTokens);
            writer.WriteNumber("output_tokens", timings.OutputTokens);
            writer.WriteNumber("image_encoding_seconds", timings.ImageEncodingSeconds);
            writer.WriteNumber("prefill_seconds", timings.PrefillSeconds);
            writer.WriteNumber("time_to_first_token_seconds", timings.TimeToFirstTokenSeconds);
            writer.WriteNumber("prefill_tokens_per_second", timings.PrefillTokensPerSecond);
            writer.WriteNumber("decode_tokens_per_second", timings.DecodeTokensPerSecond);
            writer.WriteNumber("total_seconds", timings.TotalSeconds);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The finish reason as the JSON names it: "end_of_sequence", "stop_sequence" or "length".</summary>
    public static string FinishReasonName(FinishReason reason) => reason switch
    {
        FinishReason.EndOfSequence => "end_of_sequence",
        FinishReason.StopSequence => "stop_sequence",
        _ => "length",
    };

    private static void WriteIds(Utf8JsonWriter writer, string name, IReadOnlyList<int> ids)
    {
        writer.WriteStartArray(name);
        foreach (var id in ids)
        {
            writer.WriteNumberValue(id);
        }

        writer.WriteEndArray();
    }
}
