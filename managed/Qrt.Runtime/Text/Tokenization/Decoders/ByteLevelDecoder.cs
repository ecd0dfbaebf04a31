using System.Text;

namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>
/// Maps byte-level characters back to bytes and the bytes of all tokens to one string; ill-formed UTF-8 becomes
/// U+FFFD per maximal ill-formed subsequence. A token containing a character outside the byte-level alphabet
/// (an added token such as "&lt;|im_end|&gt;" spelled in plain text) contributes its own UTF-8 bytes.
/// </summary>
internal sealed class ByteLevelDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            AppendBytes(token, bytes);
        }

        return [Encoding.UTF8.GetString([.. bytes])];
    }

    /// <summary>Appends the bytes <paramref name="token" /> stands for.</summary>
    public static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (var c in token)
        {
            if (ByteLevelAlphabet.ByteOf(c) < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
        }

        foreach (var c in token)
        {
            bytes.Add((byte)ByteLevelAlphabet.ByteOf(c));
        }
    }
}
