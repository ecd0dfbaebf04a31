using System.Runtime.InteropServices;

namespace Qrt.Runtime.Text;

/// <summary>
/// Incremental decoding of generated ids. Each <see cref="Push" /> decodes a short window of recent ids and
/// emits the text beyond what was already emitted, once that text is certain: not ending in U+FFFD (a UTF-8
/// sequence or byte-fallback run still open) and, for tokenizers that clean up spaces before punctuation, not
/// ending in a space the next token could remove. The window always starts at an already-decoded id, so
/// decoder rules about the start of the text (SentencePiece's leading space) act as they do when everything is
/// decoded at once; the concatenation of all pieces and <see cref="Flush" /> equals <see cref="Tokenizer.Decode" />
/// of all ids. Not thread-safe: one instance per generation.
/// </summary>
public sealed class StreamingDetokenizer
{
    /// <summary>Ids kept in front of new ones when the window moves on, so a new word keeps its leading space.</summary>
    private const int ContextIds = 4;

    /// <summary>The window is moved on once it holds this many ids and everything in it has been emitted.</summary>
    private const int WindowLimit = 16;

    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<int> _ids = [];
    private int _windowStart;
    private string _emitted = string.Empty;

    internal StreamingDetokenizer(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>
    /// Adds ids that precede the generated ones (the prompt) without emitting their text, so the first generated
    /// ids decode as they do within the whole sequence (e.g. with their leading space).
    /// </summary>
    public void AddContext(ReadOnlySpan<int> ids)
    {
        _ids.AddRange(ids);
        _windowStart = Math.Max(_ids.Count - ContextIds, 0);
        _emitted = DecodeWindow();
    }

    /// <summary>Adds <paramref name="id" /> and returns the text that became certain (possibly empty).</summary>
    public string Push(int id)
    {
        _ids.Add(id);
        var text = DecodeWindow();
        if (text.EndsWith('\uFFFD') || !text.StartsWith(_emitted, StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var certain = _tokenizer.CleansUpTokenizationSpaces ? text[..^OpenCleanUpSuffixLength(text)] : text;
        if (certain.Length <= _emitted.Length)
        {
            return string.Empty;
        }

        var piece = certain[_emitted.Length..];
        _emitted = certain;
        if (certain.Length == text.Length && _ids.Count - _windowStart >= WindowLimit)
        {
            MoveWindow(text);
        }

        return piece;
    }

    /// <summary>Returns whatever text is still held back (call once generation has ended).</summary>
    public string Flush()
    {
        var text = DecodeWindow();
        var common = CommonPrefixLength(text, _emitted);
        _windowStart = _ids.Count;
        _emitted = string.Empty;
        return text[common..];
    }

    /// <summary>
    /// Starts the window a few ids back, at the latest id from which decoding gives exactly the end of
    /// <paramref name="text" /> — not inside a UTF-8 sequence or a byte-fallback run, whose partial decoding
    /// would differ. Without such an id the window stays as it is.
    /// </summary>
    private void MoveWindow(string text)
    {
        var ids = CollectionsMarshal.AsSpan(_ids);
        for (var start = _ids.Count - ContextIds; start > _windowStart; start--)
        {
            var tail = _tokenizer.Decode(ids[start..], _skipSpecialTokens);
            if (text.EndsWith(tail, StringComparison.Ordinal) && !tail.StartsWith('\uFFFD'))
            {
                _windowStart = start;
                _emitted = tail;
                return;
            }
        }
    }

    /// <summary>
    /// Length of the end of <paramref name="text" /> that the clean-up of spaces could still change once more text
    /// follows: a space, or the start of " n't", " 've", " 're", " ' ".
    /// </summary>
    private static int OpenCleanUpSuffixLength(string text)
    {
        foreach (var suffix in (ReadOnlySpan<string>)[" n'", " 'v", " 'r", " n", " '", " "])
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return suffix.Length;
            }
        }

        return 0;
    }

    private string DecodeWindow() => _tokenizer.Decode(CollectionsMarshal.AsSpan(_ids)[_windowStart..], _skipSpecialTokens);

    private static int CommonPrefixLength(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        var i = 0;
        while (i < length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }
}
