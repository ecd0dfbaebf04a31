using System.Globalization;
using Qrt.Runtime.Text.Tokenization;

namespace Qrt.Runtime.Synthesis.Tokenizers;

/// <summary>
/// The ids of a synthetic byte-level BPE tokenizer: the 256 byte symbols (0..255), the learned merges, the
/// format's control tokens, then reserved special tokens <c>&lt;|reserved_N|&gt;</c> up to exactly the model's
/// vocabulary size, so the embedding and lm_head rows all belong to tokens.
/// </summary>
internal sealed class SyntheticVocabulary
{
    private SyntheticVocabulary(
        IReadOnlyList<string> modelTokens, IReadOnlyList<(string Left, string Right)> merges, IReadOnlyList<string> addedTokens, ChatFormat format)
    {
        ModelTokens = modelTokens;
        Merges = merges;
        AddedTokens = addedTokens;
        Format = format;
    }

    /// <summary>The BPE vocabulary in id order: byte symbols, then one token per merge.</summary>
    public IReadOnlyList<string> ModelTokens { get; }

    /// <summary>The merges, by rank.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>The control and reserved tokens, whose ids follow the BPE vocabulary.</summary>
    public IReadOnlyList<string> AddedTokens { get; }

    /// <summary>The chat format the control tokens come from.</summary>
    public ChatFormat Format { get; }

    /// <summary>Total ids: the model's vocab_size.</summary>
    public int Size => ModelTokens.Count + AddedTokens.Count;

    /// <summary>Builds the vocabulary of <paramref name="size" /> ids for <paramref name="format" />.</summary>
    public static SyntheticVocabulary Build(ChatFormat format, int size)
    {
        var byteTokens = ByteLevelAlphabet.ByteToChar.Select(c => c.ToString()).ToList();
        var room = size - byteTokens.Count - format.SpecialTokens.Count;
        if (room < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "the vocabulary must hold the 256 byte tokens and the control tokens");
        }

        var merges = BpeTrainer.Learn(TrainingText.Text, format.PreTokenizerPattern, room);
        // Two merges can spell the same token ("ab"+"c" and "a"+"bc"): it gets one id, which both merges produce.
        var modelTokens = byteTokens.ToList();
        var known = new HashSet<string>(modelTokens, StringComparer.Ordinal);
        foreach (var (left, right) in merges)
        {
            if (known.Add(left + right))
            {
                modelTokens.Add(left + right);
            }
        }

        var added = format.SpecialTokens.ToList();
        for (var n = 0; modelTokens.Count + added.Count < size; n++)
        {
            added.Add(string.Create(CultureInfo.InvariantCulture, $"<|reserved_{n}|>"));
        }

        return new SyntheticVocabulary(modelTokens, merges, added, format);
    }

    /// <summary>The id of control token <paramref name="token" />.</summary>
    public int IdOf(string token)
    {
        for (var i = 0; i < AddedTokens.Count; i++)
        {
            if (AddedTokens[i] == token)
            {
                return ModelTokens.Count + i;
            }
        }

        throw new ArgumentException($"'{token}' is not a control token of this vocabulary", nameof(token));
    }
}
