using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Generation;

/// <summary>The token ids that end generation.</summary>
internal static class EndOfSequenceIds
{
    /// <summary>
    /// Every id named as end of sequence: generation_config.json's eos_token_id list, config.json's, and the
    /// tokenizer's eos_token. Chat models often list several (an end-of-turn token beside the plain EOS), and a
    /// file may name only some of them, so the union is taken.
    /// </summary>
    public static IReadOnlySet<int> From(GenerationConfig generation, TextModelConfig config, Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = new HashSet<int>(generation.EosTokenIds);
        ids.UnionWith(config.EosTokenIds);
        if (tokenizer.EosTokenId is { } tokenizerEos)
        {
            ids.Add(tokenizerEos);
        }

        return ids;
    }
}
