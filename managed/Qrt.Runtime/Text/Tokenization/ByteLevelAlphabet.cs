namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ character mapping used by byte-level BPE vocabularies: printable bytes map to
/// themselves, the other 68 bytes to U+0100 onwards, so every byte string is a printable token string
/// (space is "Ġ", newline "Ċ").
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that stands for each byte.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The byte each character stands for, or -1; indexed by character up to U+0143.</summary>
    private static readonly short[] CharToByte = BuildCharToByte();

    /// <summary>Writes the character of each byte of <paramref name="bytes" /> to <paramref name="destination" />.</summary>
    public static void Spell(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[i] = ByteToChar[bytes[i]];
        }
    }

    /// <summary>The byte <paramref name="c" /> stands for, or -1 when it is not a byte-level character.</summary>
    public static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }

        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[256 + 68];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (short)b;
        }

        return map;
    }
}
