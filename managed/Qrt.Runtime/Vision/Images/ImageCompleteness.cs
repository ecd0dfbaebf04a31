using System.Buffers.Binary;

namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// Checks the decoder itself does not make: stb_image reads zeros past the end of a truncated JPEG or BMP and
/// returns a picture, where PIL refuses the file as truncated. Also reads declared dimensions of the common formats
/// so oversized images are refused by their header alone.
/// </summary>
internal static class ImageCompleteness
{
    /// <summary>Why the data is cut short, or null when nothing is known to be missing.</summary>
    public static string? FindTruncation(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            // Entropy-coded data escapes 0xFF, so FF DA only starts a scan and FF D9 only ends the image.
            var lastScan = data.LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xDA]);
            return lastScan < 0 ? "the JPEG has no scan (SOS)"
                : data[lastScan..].IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0 ? "the JPEG ends before its end-of-image marker (truncated)"
                : null;
        }

        if (data.StartsWith("BM"u8))
        {
            return BmpTruncation(data);
        }

        return null;
    }

    /// <summary>Width and height as the header of a PNG, GIF or BMP declares them.</summary>
    public static (long Width, long Height)? DeclaredSize(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 24 && data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']))
        {
            return (BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
        }

        if (data.Length >= 10 && data.StartsWith("GIF8"u8))
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..]));
        }

        if (data.Length >= 26 && data.StartsWith("BM"u8) && BinaryPrimitives.ReadInt32LittleEndian(data[14..]) >= 40)
        {
            return (Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[18..])), Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..])));
        }

        return null;
    }

    private static string? BmpTruncation(ReadOnlySpan<byte> data)
    {
        if (data.Length < 18)
        {
            return "the BMP file header is incomplete (truncated)";
        }

        var headerSize = BinaryPrimitives.ReadInt32LittleEndian(data[14..]);
        if (headerSize < 12 || data.Length < 14L + headerSize)
        {
            return $"the BMP header declares {headerSize} bytes but the file has {data.Length} (truncated)";
        }

        if (headerSize < 40)
        {
            return null;
        }

        var compression = BinaryPrimitives.ReadInt32LittleEndian(data[30..]);
        if (compression is not (0 or 3))
        {
            return null; // run-length data has no fixed size
        }

        long width = Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(data[18..]));
        long height = Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
        long bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        var stride = ((width * bitsPerPixel) + 31) / 32 * 4;
        var needed = pixelOffset + (stride * height);
        return data.Length < needed ? $"the BMP pixel data needs {needed} bytes but the file has {data.Length} (truncated)" : null;
    }
}
