using System.Text.Encodings.Web;
using System.Text.Json;

namespace Qrt.Runtime.Synthesis.Tokenizers;

/// <summary>
/// Writes tokenizer.json (byte-level BPE: a Split regex then ByteLevel, as Llama 3 and Qwen2 ship, after NFC for
/// Qwen2's formats) and
/// tokenizer_config.json (special tokens, every added token, the chat template) for a <see cref="SyntheticVocabulary" />.
/// </summary>
internal static class TokenizerFilesWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes both files into <paramref name="directory" />; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, SyntheticVocabulary vocabulary)
    {
        var tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        WriteJson(tokenizerPath, writer => WriteTokenizer(writer, vocabulary));
        WriteJson(configPath, writer => WriteConfig(writer, vocabulary));
        return [tokenizerPath, configPath];
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, Options);
        body(writer);
    }

    private static void WriteTokenizer(Utf8JsonWriter writer, SyntheticVocabulary vocabulary)
    {
        var format = vocabulary.Format;
        writer.WriteStartObject();
        writer.WriteString("version", "1.0");
        writer.WriteNull("truncation");
        writer.WriteNull("padding");
        writer.WriteStartArray("added_tokens");
        for (var i = 0; i < vocabulary.AddedTokens.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", vocabulary.ModelTokens.Count + i);
            writer.WriteString("content", vocabulary.AddedTokens[i]);
            writer.WriteBoolean("single_word", false);
            writer.WriteBoolean("lstrip", false);
            writer.WriteBoolean("rstrip", false);
            writer.WriteBoolean("normalized", false);
            writer.WriteBoolean("special", true);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (format.NormalizesToNfc)
        {
            writer.WriteStartObject("normalizer");
            writer.WriteString("type", "NFC");
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("normalizer");
        }

        writer.WriteStartObject("pre_tokenizer");
        writer.WriteString("type", "Sequence");
        writer.WriteStartArray("pretokenizers");
        writer.WriteStartObject();
        writer.WriteString("type", "Split");
        writer.WriteStartObject("pattern");
        writer.WriteString("Regex", format.PreTokenizerPattern);
        writer.WriteEndObject();
        writer.WriteString("behavior", "Isolated");
        writer.WriteBoolean("invert", false);
        writer.WriteEndObject();
        writer.WriteStartObject();
        writer.WriteString("type", "ByteLevel");
        writer.WriteBoolean("add_prefix_space", false);
        writer.WriteBoolean("trim_offsets", true);
        writer.WriteBoolean("use_regex", false);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();

        WritePostProcessor(writer, vocabulary);

        writer.WriteStartObject("decoder");
        writer.WriteString("type", "ByteLevel");
        writer.WriteBoolean("add_prefix_space", true);
        writer.WriteBoolean("trim_offsets", true);
        writer.WriteBoolean("use_regex", true);
        writer.WriteEndObject();

        writer.WriteStartObject("model");
        writer.WriteString("type", "BPE");
        writer.WriteNull("dropout");
        writer.WriteNull("unk_token");
        writer.WriteNull("continuing_subword_prefix");
        writer.WriteNull("end_of_word_suffix");
        writer.WriteBoolean("fuse_unk", false);
        writer.WriteBoolean("byte_fallback", false);
        writer.WriteBoolean("ignore_merges", false);
        writer.WriteStartObject("vocab");
        for (var id = 0; id < vocabulary.ModelTokens.Count; id++)
        {
            writer.WriteNumber(vocabulary.ModelTokens[id], id);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("merges");
        foreach (var (left, right) in vocabulary.Merges)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(left);
            writer.WriteStringValue(right);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>ByteLevel offsets, then BOS before the text when the format has one (as Llama 3's tokenizer.json does).</summary>
    private static void WritePostProcessor(Utf8JsonWriter writer, SyntheticVocabulary vocabulary)
    {
        writer.WriteStartObject("post_processor");
        writer.WriteString("type", "Sequence");
        writer.WriteStartArray("processors");
        writer.WriteStartObject();
        writer.WriteString("type", "ByteLevel");
        writer.WriteBoolean("add_prefix_space", true);
        writer.WriteBoolean("trim_offsets", false);
        writer.WriteBoolean("use_regex", true);
        writer.WriteEndObject();
        if (vocabulary.Format.BosToken is { } bos)
        {
            var id = vocabulary.IdOf(bos);
            writer.WriteStartObject();
            writer.WriteString("type", "TemplateProcessing");
            writer.WriteStartArray("single");
            WriteTemplatePiece(writer, "SpecialToken", bos, 0);
            WriteTemplatePiece(writer, "Sequence", "A", 0);
            writer.WriteEndArray();

            // The Rust tokenizers library requires a pair template; this is Llama 3's: BOS before each sequence.
            writer.WriteStartArray("pair");
            WriteTemplatePiece(writer, "SpecialToken", bos, 0);
            WriteTemplatePiece(writer, "Sequence", "A", 0);
            WriteTemplatePiece(writer, "SpecialToken", bos, 1);
            WriteTemplatePiece(writer, "Sequence", "B", 1);
            writer.WriteEndArray();
            writer.WriteStartObject("special_tokens");
            writer.WriteStartObject(bos);
            writer.WriteString("id", bos);
            writer.WriteStartArray("ids");
            writer.WriteNumberValue(id);
            writer.WriteEndArray();
            writer.WriteStartArray("tokens");
            writer.WriteStringValue(bos);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>One piece of a TemplateProcessing template: <c>{"SpecialToken": {"id": ..., "type_id": ...}}</c> or a Sequence.</summary>
    private static void WriteTemplatePiece(Utf8JsonWriter writer, string kind, string id, int typeId)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(kind);
        writer.WriteString("id", id);
        writer.WriteNumber("type_id", typeId);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter writer, SyntheticVocabulary vocabulary)
    {
        var format = vocabulary.Format;
        writer.WriteStartObject();
        writer.WriteBoolean("add_bos_token", format.BosToken is not null);
        writer.WriteBoolean("add_eos_token", false);
        writer.WriteStartObject("added_tokens_decoder");
        for (var i = 0; i < vocabulary.AddedTokens.Count; i++)
        {
            writer.WriteStartObject((vocabulary.ModelTokens.Count + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("content", vocabulary.AddedTokens[i]);
            writer.WriteBoolean("lstrip", false);
            writer.WriteBoolean("normalized", false);
            writer.WriteBoolean("rstrip", false);
            writer.WriteBoolean("single_word", false);
            writer.WriteBoolean("special", true);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        WriteTokenOrNull(writer, "bos_token", format.BosToken);
        writer.WriteString("chat_template", format.Template);
        writer.WriteBoolean("clean_up_tokenization_spaces", false);
        writer.WriteString("eos_token", format.EosToken);
        writer.WriteNumber("model_max_length", 131072);
        WriteTokenOrNull(writer, "pad_token", format.PadToken);
        writer.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        writer.WriteEndObject();
    }

    private static void WriteTokenOrNull(Utf8JsonWriter writer, string name, string? token)
    {
        if (token is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, token);
        }
    }
}
