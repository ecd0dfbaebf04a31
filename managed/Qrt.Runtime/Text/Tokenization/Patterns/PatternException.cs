namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// A tokenizer.json regex that cannot be translated exactly: the message names the construct, its offset in the
/// pattern and the reason. Callers that know the file wrap it into a <see cref="ModelFileException" />.
/// </summary>
internal sealed class PatternException : Exception
{
    /// <summary>Creates the exception for <paramref name="construct" /> at <paramref name="offset" /> of <paramref name="pattern" />.</summary>
    public PatternException(string pattern, int offset, string construct, string problem)
        : base($"regex '{pattern}': '{construct}' at offset {offset}: {problem}")
    {
        Pattern = pattern;
        Offset = offset;
        Construct = construct;
    }

    /// <summary>The pattern as written in tokenizer.json.</summary>
    public string Pattern { get; }

    /// <summary>The UTF-16 offset of the construct in <see cref="Pattern" />.</summary>
    public int Offset { get; }

    /// <summary>The text of the construct at fault.</summary>
    public string Construct { get; }
}
