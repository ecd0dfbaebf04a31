using Qrt.Runtime.Text.Tokenization;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text;

/// <summary>
/// A Hugging Face tokenizer loaded from a model directory's tokenizer.json (and tokenizer_config.json): text to
/// token ids and back, with the ids of the reference implementation (transformers 5, including what its tokenizer
/// classes change about tokenizer.json). Supports the BPE tokenizers of the
/// targeted families — byte-level BPE with regex pre-tokenizers (Qwen2, Llama 3, Tekken; with or without
/// ignore_merges) and SentencePiece-style BPE with byte fallback (Llama 2, Mistral, Mixtral) — and their added
/// tokens. Instances are immutable and safe to use from several threads.
/// </summary>
public sealed class Tokenizer
{
    private readonly TokenizerPipeline _pipeline;
    private readonly bool _cleanUpTokenizationSpaces;

    private Tokenizer(TokenizerPipeline pipeline, TokenizerConfigFile config)
    {
        _pipeline = pipeline;
        // transformers 5 skips the clean-up for BPE models (all of Qrt's), which it would corrupt, unless told
        // to do it anyway.
        _cleanUpTokenizationSpaces = (config.Flag("clean_up_tokenization_spaces") ?? false)
            && (config.Flag("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output") ?? false);
        BosToken = config.SpecialToken("bos_token");
        EosToken = config.SpecialToken("eos_token");
        BosTokenId = BosToken is null ? null : TokenToId(BosToken);
        EosTokenId = EosToken is null ? null : TokenToId(EosToken);
        VocabularySize = Math.Max(pipeline.Model.IdLimit, pipeline.AddedVocabulary.Tokens.Select(t => t.Id + 1).DefaultIfEmpty(0).Max());
    }

    /// <summary>Number of ids: one past the largest id of the vocabulary and the added tokens.</summary>
    public int VocabularySize { get; }

    /// <summary>The beginning-of-sequence token from tokenizer_config.json, if any.</summary>
    public string? BosToken { get; }

    /// <summary>The end-of-sequence token from tokenizer_config.json, if any.</summary>
    public string? EosToken { get; }

    /// <summary>The id of <see cref="BosToken" />, if the tokenizer has one.</summary>
    public int? BosTokenId { get; }

    /// <summary>The id of <see cref="EosToken" />, if the tokenizer has one.</summary>
    public int? EosTokenId { get; }

    /// <summary>
    /// Loads tokenizer.json and, when present, tokenizer_config.json from <paramref name="modelDirectory" />;
    /// config.json's model_type, when present, takes part in choosing the tokenizer class as in transformers.
    /// </summary>
    /// <exception cref="ModelFileException">The directory or tokenizer.json is missing, or a file is malformed or unsupported.</exception>
    public static Tokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!Directory.Exists(modelDirectory))
        {
            throw new ModelFileException(modelDirectory, "model directory not found");
        }

        return Read(
            Path.Combine(modelDirectory, "tokenizer.json"),
            Path.Combine(modelDirectory, "tokenizer_config.json"),
            ModelType(Path.Combine(modelDirectory, "config.json")));
    }

    /// <summary>
    /// Loads <paramref name="tokenizerJsonPath" /> with an optional tokenizer_config.json (no config.json: the
    /// tokenizer class is tokenizer_config.json's). Without a tokenizer_config.json, tokenizer.json is read as
    /// written, as the tokenizers library reads it.
    /// </summary>
    /// <exception cref="ModelFileException">A file is missing, malformed or unsupported.</exception>
    public static Tokenizer FromFiles(string tokenizerJsonPath, string? tokenizerConfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        return Read(tokenizerJsonPath, tokenizerConfigPath, modelType: null);
    }

    private static Tokenizer Read(string tokenizerJsonPath, string? tokenizerConfigPath, string? modelType)
    {
        var pipeline = TokenizerJsonReader.Read(tokenizerJsonPath);
        var config = tokenizerConfigPath is null ? TokenizerConfigFile.Empty : TokenizerConfigFile.Load(tokenizerConfigPath);
        return new Tokenizer(TransformersTokenizerClass.Apply(pipeline, config, modelType), config);
    }

    /// <summary>config.json's model_type, which takes part in choosing transformers' tokenizer class; null without the file.</summary>
    private static string? ModelType(string configPath) =>
        File.Exists(configPath) ? new JsonSection(configPath, string.Empty, JsonFile.ReadObject(configPath)).OptionalString("model_type") : null;

    /// <summary>Text to ids; with <paramref name="addSpecialTokens" /> the post-processor adds BOS/EOS as configured.</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. _pipeline.Encode(text, addSpecialTokens)];
    }

    /// <summary>
    /// Ids to text; <paramref name="skipSpecialTokens" /> drops special added tokens. Ids that name no token
    /// (such as padding rows of a model's embedding) decode to nothing, as in the reference implementation.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var text = _pipeline.Decode(ids, skipSpecialTokens);
        return _cleanUpTokenizationSpaces ? CleanUpTokenizationSpaces(text) : text;
    }

    /// <summary>
    /// Whether decoding removes spaces before punctuation and contractions: tokenizer_config.json's
    /// clean_up_tokenization_spaces, which transformers 5 honours for BPE models only together with
    /// clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output.
    /// </summary>
    internal bool CleansUpTokenizationSpaces => _cleanUpTokenizationSpaces;

    /// <summary>The token string of <paramref name="id" /> (vocabulary form, e.g. "Ġworld" or "▁world"), or null.</summary>
    public string? IdToToken(int id) => _pipeline.IdToToken(id);

    /// <summary>The id of token string <paramref name="token" /> (added tokens first), or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _pipeline.TokenToId(token);
    }

    /// <summary>Whether <paramref name="id" /> is a special added token (a control token such as "&lt;|im_end|&gt;").</summary>
    public bool IsSpecial(int id) => _pipeline.AddedVocabulary.ById(id)?.Special ?? false;

    /// <summary>A decoder that turns ids given one at a time into text as soon as that text is certain.</summary>
    public StreamingDetokenizer CreateStreamingDetokenizer(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <summary>transformers' clean-up of decoded text: no space before ".", "?", "!", "," and English contractions.</summary>
    private static string CleanUpTokenizationSpaces(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
