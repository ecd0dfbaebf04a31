using System.Collections.Concurrent;
using System.Text;

namespace Qrt.Runtime.Text.Tokenization.Models;

/// <summary>
/// Byte-pair encoding as the Hugging Face tokenizers library does it: a word starts as one symbol per character
/// (or per byte-fallback byte), then the adjacent pair with the lowest merge rank is merged, leftmost first on
/// ties, until no pair has a merge. Results for words shorter than 256 characters are cached.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 10_000;
    private const int CacheableLength = 256;

    /// <summary>Words up to this many symbols are merged by rescanning; longer ones through a priority queue.</summary>
    private const int ScanMergeLimit = 32;

    /// <summary>SentencePiece's word-start marker (U+2581).</summary>
    private const char Metaspace = '\u2581';

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabularyBySpan;
    private readonly string?[] _tokens;
    private readonly Dictionary<long, (int Rank, int MergedId)> _merges;
    private readonly BpeOptions _options;
    private readonly int _unknownId;
    private readonly int[] _byteFallbackIds;
    private readonly int[] _singleCharIds;
    private readonly bool _plainSymbols;
    private readonly bool _splitsBeforeMetaspace;
    private readonly WordCache _wordCache = new();
    private readonly WordCache _byteLevelCache = new();

    public BpeModel(Dictionary<string, int> vocabulary, Dictionary<long, (int Rank, int MergedId)> merges, BpeOptions options, int unknownId)
    {
        _vocabulary = vocabulary;
        _vocabularyBySpan = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = merges;
        _options = options;
        _unknownId = unknownId;
        _plainSymbols = options.ContinuingSubwordPrefix.Length == 0 && options.EndOfWordSuffix.Length == 0;

        _tokens = new string?[vocabulary.Count];
        foreach (var (token, id) in vocabulary)
        {
            _tokens[id] = token;
        }

        _byteFallbackIds = new int[256];
        for (var b = 0; b < 256; b++)
        {
            _byteFallbackIds[b] = vocabulary.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }

        // Most symbols are single BMP characters; an array lookup avoids hashing them.
        _singleCharIds = new int[char.MaxValue + 1];
        Array.Fill(_singleCharIds, -1);
        foreach (var (token, id) in vocabulary)
        {
            if (token.Length == 1)
            {
                _singleCharIds[token[0]] = id;
            }
        }

        _splitsBeforeMetaspace = _plainSymbols && vocabulary.ContainsKey(Metaspace.ToString())
            && !vocabulary.Keys.Any(HasMetaspaceAfterOtherCharacter);
    }

    /// <summary>The switches this model was built with.</summary>
    public BpeOptions Options => _options;

    /// <summary>
    /// The same vocabulary and merges with other switches (as transformers rebuilds the model of some tokenizer
    /// classes); the unknown token, if any, must be in the vocabulary.
    /// </summary>
    public BpeModel WithOptions(BpeOptions options)
    {
        var unknownId = -1;
        if (options.UnknownToken is { } unknown && !_vocabulary.TryGetValue(unknown, out unknownId))
        {
            throw new ArgumentException($"unknown token '{unknown}' is not in the vocabulary", nameof(options));
        }

        return new BpeModel(_vocabulary, _merges, options, unknownId);
    }

    /// <summary>One past the largest id of the vocabulary (ids are dense).</summary>
    public int IdLimit => _tokens.Length;

    public int? TokenToId(string token) => _vocabulary.TryGetValue(token, out var id) ? id : null;

    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    /// <summary>Appends the ids of <paramref name="word" /> (already in the vocabulary's alphabet) to <paramref name="ids" />.</summary>
    public void Tokenize(string word, List<int> ids)
    {
        if (_options.IgnoreMerges && _vocabulary.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }

        if (!_splitsBeforeMetaspace || word.Length <= CacheableLength)
        {
            TokenizeCached(word, ids);
            return;
        }

        // A long SentencePiece "word" (a whole sentence: spaces became ▁) is encoded piecewise, cut before each
        // run of ▁. This is exact: no vocabulary token has ▁ after another character, so no merge crosses a cut.
        var start = 0;
        for (var i = 1; i <= word.Length; i++)
        {
            if (i == word.Length || (word[i] == Metaspace && word[i - 1] != Metaspace))
            {
                TokenizeCached(word.AsSpan(start, i - start), ids);
                start = i;
            }
        }
    }

    /// <summary>
    /// Appends the ids of <paramref name="text" /> spelled in the byte-level alphabet (one character per UTF-8
    /// byte), the fused form of the ByteLevel pre-tokenizer and this model; cached by the text itself.
    /// </summary>
    public void TokenizeByteLevel(ReadOnlySpan<char> text, List<int> ids)
    {
        if (_byteLevelCache.TryGet(text, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(text);
        Span<byte> bytes = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(text, bytes);
        Span<char> word = byteCount <= 1024 ? stackalloc char[byteCount] : new char[byteCount];
        ByteLevelAlphabet.Spell(bytes, word);

        int[] result = _options.IgnoreMerges && _vocabularyBySpan.TryGetValue(word, out var whole) ? [whole] : Merge(word);
        ids.AddRange(result);
        if (text.Length < CacheableLength)
        {
            _byteLevelCache.TryAdd(text, result);
        }
    }

    private void TokenizeCached(ReadOnlySpan<char> word, List<int> ids)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (_wordCache.TryGet(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var result = Merge(word);
        ids.AddRange(result);
        if (word.Length < CacheableLength)
        {
            _wordCache.TryAdd(word, result);
        }
    }

    private int[] Merge(ReadOnlySpan<char> word)
    {
        var symbols = InitialSymbols(word);
        return symbols.Count <= ScanMergeLimit ? MergeByScanning(symbols) : MergeWithQueue(symbols);
    }

    /// <summary>
    /// Merges by repeatedly finding the lowest-ranked adjacent pair, leftmost on ties — the same order as the
    /// priority queue, and faster for the short words that most words are.
    /// </summary>
    private int[] MergeByScanning(List<int> symbols)
    {
        Span<int> id = stackalloc int[symbols.Count];
        symbols.CopyTo(id);
        var count = id.Length;
        while (count > 1)
        {
            var bestRank = int.MaxValue;
            var bestPosition = -1;
            var bestMerged = 0;
            for (var i = 0; i + 1 < count; i++)
            {
                if (_merges.TryGetValue(PairKey(id[i], id[i + 1]), out var merge) && merge.Rank < bestRank)
                {
                    (bestRank, bestPosition, bestMerged) = (merge.Rank, i, merge.MergedId);
                }
            }

            if (bestPosition < 0)
            {
                break;
            }

            id[bestPosition] = bestMerged;
            id[(bestPosition + 2)..count].CopyTo(id[(bestPosition + 1)..]);
            count--;
        }

        return id[..count].ToArray();
    }

    private int[] MergeWithQueue(List<int> symbols)
    {
        var count = symbols.Count;
        var id = symbols.ToArray();
        var previous = new int[count];
        var next = new int[count];
        for (var i = 0; i < count; i++)
        {
            previous[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        var removed = new bool[count];
        var queue = new PriorityQueue<(int Position, int MergedId), (int Rank, int Position)>(count);
        for (var i = 0; i + 1 < count; i++)
        {
            if (_merges.TryGetValue(PairKey(id[i], id[i + 1]), out var merge))
            {
                queue.Enqueue((i, merge.MergedId), (merge.Rank, i));
            }
        }

        while (queue.TryDequeue(out var top, out _))
        {
            var position = top.Position;
            if (removed[position] || next[position] < 0)
            {
                continue;
            }

            // The queue may hold pairs that earlier merges have changed; skip those.
            var right = next[position];
            if (!_merges.TryGetValue(PairKey(id[position], id[right]), out var current) || current.MergedId != top.MergedId)
            {
                continue;
            }

            id[position] = top.MergedId;
            removed[right] = true;
            next[position] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = position;
            }

            if (previous[position] >= 0 && _merges.TryGetValue(PairKey(id[previous[position]], id[position]), out var left))
            {
                queue.Enqueue((previous[position], left.MergedId), (left.Rank, previous[position]));
            }

            if (next[position] >= 0 && _merges.TryGetValue(PairKey(id[position], id[next[position]]), out var following))
            {
                queue.Enqueue((position, following.MergedId), (following.Rank, position));
            }
        }

        var result = new List<int>(count);
        for (var i = 0; i >= 0; i = next[i])
        {
            result.Add(id[i]);
        }

        return [.. result];
    }

    /// <summary>The word as symbols before any merge: characters, byte-fallback bytes and unknown tokens.</summary>
    private List<int> InitialSymbols(ReadOnlySpan<char> word)
    {
        var symbols = new List<int>(word.Length);
        var pendingUnknown = false;
        for (var i = 0; i < word.Length;)
        {
            var width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var isFirst = i == 0;
            var isLast = i + width == word.Length;
            var character = word.Slice(i, width);
            i += width;

            string? decorated = null;
            int id;
            if (_plainSymbols)
            {
                id = width == 1 ? _singleCharIds[character[0]] : _vocabularyBySpan.TryGetValue(character, out var found) ? found : -1;
            }
            else
            {
                decorated = (isFirst ? string.Empty : _options.ContinuingSubwordPrefix) + character.ToString()
                    + (isLast ? _options.EndOfWordSuffix : string.Empty);
                id = _vocabulary.TryGetValue(decorated, out var found) ? found : -1;
            }

            if (id >= 0)
            {
                if (pendingUnknown)
                {
                    symbols.Add(_unknownId);
                    pendingUnknown = false;
                }

                symbols.Add(id);
                continue;
            }

            if (_options.ByteFallback && TryAddBytes(decorated is null ? character : decorated, symbols))
            {
                continue;
            }

            if (_unknownId >= 0)
            {
                // Unknown characters either fuse into one pending unknown token or each flush the previous one.
                if (pendingUnknown && !_options.FuseUnknown)
                {
                    symbols.Add(_unknownId);
                }

                pendingUnknown = true;
            }
        }

        if (pendingUnknown)
        {
            symbols.Add(_unknownId);
        }

        return symbols;
    }

    private bool TryAddBytes(ReadOnlySpan<char> text, List<int> symbols)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        bytes = bytes[..Encoding.UTF8.GetBytes(text, bytes)];
        foreach (var b in bytes)
        {
            if (_byteFallbackIds[b] < 0)
            {
                return false;
            }
        }

        foreach (var b in bytes)
        {
            symbols.Add(_byteFallbackIds[b]);
        }

        return true;
    }

    private static bool HasMetaspaceAfterOtherCharacter(string token)
    {
        for (var i = 1; i < token.Length; i++)
        {
            if (token[i] == Metaspace && token[i - 1] != Metaspace)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The merge-table key of the pair (left, right).</summary>
    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;
}
