namespace Qrt.Runtime.Vision.Images;

/// <summary>Recognises image formats by their leading bytes, to refuse WebP and to say what unreadable data looked like.</summary>
internal static class ImageSignatures
{
    /// <summary>A RIFF container whose form type is WEBP.</summary>
    public static bool IsWebP(ReadOnlySpan<byte> data) =>
        data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8);

    /// <summary>The format the leading bytes announce, or a hex dump of them when they announce none.</summary>
    public static string Describe(ReadOnlySpan<byte> data)
    {
        var format = data switch
        {
            _ when data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) => "PNG",
            _ when data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) => "JPEG",
            _ when data.StartsWith("GIF8"u8) => "GIF",
            _ when data.StartsWith("BM"u8) => "BMP",
            _ when data.StartsWith("8BPS"u8) => "PSD",
            _ => null,
        };
        return format is null
            ? $"{data.Length} bytes starting {Convert.ToHexString(data[..Math.Min(8, data.Length)])}"
            : $"{format} signature, {data.Length} bytes";
    }
}
