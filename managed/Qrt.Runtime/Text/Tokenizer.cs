using Qrt.Runtime.Text.Tokenization;
using Qrt.Runtime.Text.Tokenization.PostProcessors;

namespace Qrt.Runtime.Text;

/// <summary>
/// A Hugging Face tokenizer loaded from a model directory's tokenizer.json (and tokenizer_config.json): text to
/// token ids and back, with the ids of the reference implementation. Supports the BPE tokenizers of the
/// targeted families — byte-level BPE with regex pre-tokenizers (Qwen2, Llama 3, Tekken; with or without
/// ignore_merges) and SentencePiece-style BPE with byte fallback (Llama 2, Mistral, Mixtral) — and their added
/// tokens. Instances are immutable and safe to use from several threads.
/// </summary>
public sealed class Tokenizer
{
    private static readonly HashSet<string> LlamaTokenizerClasses = new(StringComparer.Ordinal)
    {
        "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast",
    };

    private readonly TokenizerPipeline _pipeline;
    private readonly bool _cleanUpTokenizationSpaces;

    private Tokenizer(TokenizerPipeline pipeline, TokenizerConfigFile config)
    {
        _pipeline = pipeline;
        _cleanUpTokenizationSpaces = config.Flag("clean_up_tokenization_spaces") ?? false;
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

    /// <summary>Loads tokenizer.json and, when present, tokenizer_config.json from <paramref name="modelDirectory" />.</summary>
    /// <exception cref="ModelFileException">The directory or tokenizer.json is missing, or a file is malformed or unsupported.</exception>
    public static Tokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!Directory.Exists(modelDirectory))
        {
            throw new ModelFileException(modelDirectory, "model directory not found");
        }

        return FromFiles(Path.Combine(modelDirectory, "tokenizer.json"), Path.Combine(modelDirectory, "tokenizer_config.json"));
    }

    /// <summary>Loads <paramref name="tokenizerJsonPath" /> with an optional tokenizer_config.json.</summary>
    /// <exception cref="ModelFileException">A file is missing, malformed or unsupported.</exception>
    public static Tokenizer FromFiles(string tokenizerJsonPath, string? tokenizerConfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        var pipeline = TokenizerJsonReader.Read(tokenizerJsonPath);
        var config = tokenizerConfigPath is null ? TokenizerConfigFile.Empty : TokenizerConfigFile.Load(tokenizerConfigPath);
        return new Tokenizer(WithConfiguredSpecialTokens(pipeline, config), config);
    }

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

    /// <summary>Whether decoding removes spaces before punctuation and contractions (tokenizer_config.json's clean_up_tokenization_spaces).</summary>
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

    /// <summary>
    /// transformers rebuilds the post-processor of Llama-family tokenizers from tokenizer_config.json's
    /// add_bos_token / add_eos_token (defaults: BOS yes, EOS no), whatever tokenizer.json says.
    /// </summary>
    private static TokenizerPipeline WithConfiguredSpecialTokens(TokenizerPipeline pipeline, TokenizerConfigFile config)
    {
        // Read (and so check) the flags whatever the class, so a malformed value is reported.
        var addBos = config.Flag("add_bos_token");
        var addEos = config.Flag("add_eos_token");
        if (config.String("tokenizer_class") is not { } tokenizerClass || !LlamaTokenizerClasses.Contains(tokenizerClass))
        {
            return pipeline;
        }

        var items = new List<int[]?>();
        if (addBos ?? true)
        {
            items.Add([RequireSpecialTokenId(pipeline, config, "bos_token", "add_bos_token")]);
        }

        items.Add(null);
        if (addEos ?? false)
        {
            items.Add([RequireSpecialTokenId(pipeline, config, "eos_token", "add_eos_token")]);
        }

        return pipeline with { PostProcessor = new TemplatePostProcessor(items) };
    }

    private static int RequireSpecialTokenId(TokenizerPipeline pipeline, TokenizerConfigFile config, string name, string flag)
    {
        var token = config.SpecialToken(name)
            ?? throw new ModelFileException(config.Path, $"'{flag}' is true but '{name}' is not set");
        return pipeline.TokenToId(token)
            ?? throw new ModelFileException(config.Path, $"'{name}' \"{token}\" is not a token of the tokenizer");
    }
}
