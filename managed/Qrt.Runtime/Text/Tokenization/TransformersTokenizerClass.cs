using Qrt.Runtime.Text.Tokenization.AddedTokens;
using Qrt.Runtime.Text.Tokenization.Decoders;
using Qrt.Runtime.Text.Tokenization.PreTokenizers;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// What transformers' tokenizer classes change about the pipeline tokenizer.json describes. transformers 5 builds
/// the pipeline of some classes in code, taking only the vocabulary, the merges, the added tokens and the
/// post-processor from tokenizer.json. Among the families Qrt runs, LlamaTokenizer is such a class: its code
/// pipeline (a Metaspace pre-tokenizer instead of the legacy SentencePiece normalizer) encodes text that starts
/// with a space, alone or after an added token, differently from the file.
/// </summary>
/// <remarks>
/// Which class runs depends on config.json too: for some model types transformers sets tokenizer_config.json's
/// tokenizer_class aside. Mistral, Mixtral, Pixtral and Llava checkpoints get the generic class (tokenizer.json as
/// written) whatever tokenizer_class says; Qwen2 checkpoints get Qwen2Tokenizer, whose code pipeline is the one
/// Qwen2 tokenizer.json files hold, so reading the file gives the same ids. Other classes read tokenizer.json as
/// written.
/// </remarks>
internal static class TransformersTokenizerClass
{
    /// <summary>Model types whose config.json makes transformers ignore tokenizer_class (see the remarks).</summary>
    private static readonly HashSet<string> ModelTypesThatSetTheClassAside = new(StringComparer.Ordinal)
    {
        "mistral", "mixtral", "mistral3", "pixtral", "llava", "qwen2",
    };

    private const char Metaspace = '\u2581';

    /// <summary>
    /// The pipeline transformers runs for <paramref name="pipeline" /> read from tokenizer.json, given
    /// tokenizer_config.json and config.json's model_type (null when there is no config.json).
    /// </summary>
    public static TokenizerPipeline Apply(TokenizerPipeline pipeline, TokenizerConfigFile config, string? modelType)
    {
        // Read (and so check) LlamaTokenizer's switches whatever the class, so a malformed value is reported.
        var addPrefixSpace = config.Flag("add_prefix_space");
        var legacy = config.Flag("legacy");
        var tokenizerClass = config.String("tokenizer_class");
        if (tokenizerClass is not ("LlamaTokenizer" or "LlamaTokenizerFast")
            || (modelType is not null && ModelTypesThatSetTheClassAside.Contains(modelType)))
        {
            return pipeline;
        }

        return LlamaTokenizer(pipeline, addPrefixSpace ?? true, legacy ?? false);
    }

    /// <summary>
    /// LlamaTokenizer's code pipeline: no normalizer; spaces become "▁" and a "▁" is put in front of a piece
    /// that lacks one (every piece for legacy tokenizers, the piece that starts the text otherwise, none without
    /// add_prefix_space); byte-fallback BPE with fused unknowns and no unknown token; the decoder turns "▁" back
    /// into spaces, reassembles byte tokens and drops the one leading space the prefix added.
    /// </summary>
    private static TokenizerPipeline LlamaTokenizer(TokenizerPipeline pipeline, bool addPrefixSpace, bool legacy)
    {
        var scheme = !addPrefixSpace ? PrependScheme.Never : legacy ? PrependScheme.Always : PrependScheme.First;
        List<ITokenDecoder> decoders =
        [
            new ReplaceDecoder(TextPattern.Literal(Metaspace.ToString()), " "),
            new ByteFallbackDecoder(),
            new FuseDecoder(),
        ];
        if (addPrefixSpace)
        {
            decoders.Add(new StripDecoder(' ', 1, 0));
        }

        return pipeline with
        {
            AddedVocabulary = new AddedVocabulary(pipeline.AddedVocabulary.Tokens, normalizer: null),
            PreTokenizer = new MetaspacePreTokenizer(Metaspace, scheme, split: false),
            Model = pipeline.Model.WithOptions(new Models.BpeOptions { FuseUnknown = true, ByteFallback = true }),
            Decoder = new SequenceDecoder([.. decoders]),
        };
    }
}
