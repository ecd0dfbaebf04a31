namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>
/// Removes up to <c>start</c> leading and <c>stop</c> trailing occurrences of a character from every token —
/// after Fuse, from the text: SentencePiece's leading space.
/// </summary>
internal sealed class StripDecoder(char content, int start, int stop) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(Strip);

    private string Strip(string token)
    {
        var first = 0;
        while (first < start && first < token.Length && token[first] == content)
        {
            first++;
        }

        var end = token.Length;
        for (var removed = 0; removed < stop && end > first && token[end - 1] == content; removed++)
        {
            end--;
        }

        return token[first..end];
    }
}
