using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>Small image files written byte by byte, so the tests know every pixel they should decode to.</summary>
internal static class ImageFiles
{
    /// <summary>PNG colour types.</summary>
    public const byte Grey = 0, Rgb = 2, Palette = 3, GreyAlpha = 4, Rgba = 6;

    /// <summary>
    /// An 8-bit PNG of <paramref name="colourType" /> whose rows are <paramref name="rows" /> (unfiltered samples),
    /// compressed with zlib; a palette (and its tRNS alphas) when given.
    /// </summary>
    public static byte[] Png(int width, int height, byte colourType, byte[][] rows, byte[]? palette = null, byte[]? transparency = null)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = colourType;
        WriteChunk(output, "IHDR", header);
        if (palette is not null)
        {
            WriteChunk(output, "PLTE", palette);
        }

        if (transparency is not null)
        {
            WriteChunk(output, "tRNS", transparency);
        }

        using var raw = new MemoryStream();
        foreach (var row in rows)
        {
            raw.WriteByte(0); // filter type None
            raw.Write(row);
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw.ToArray());
        }

        WriteChunk(output, "IDAT", compressed.ToArray());
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A 24-bit bottom-up BMP; <paramref name="rgb" /> is top-down R, G, B.</summary>
    public static byte[] Bmp(int width, int height, byte[] rgb)
    {
        var stride = ((3 * width) + 3) & ~3;
        var data = new byte[54 + (stride * height)];
        data[0] = (byte)'B';
        data[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(2), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(34), stride * height);
        for (var y = 0; y < height; y++)
        {
            var row = 54 + ((height - 1 - y) * stride);
            for (var x = 0; x < width; x++)
            {
                var source = 3 * ((y * width) + x);
                data[row + (3 * x)] = rgb[source + 2];
                data[row + (3 * x) + 1] = rgb[source + 1];
                data[row + (3 * x) + 2] = rgb[source];
            }
        }

        return data;
    }

    /// <summary>
    /// A GIF89a with a 4-colour global palette and one frame of palette <paramref name="indices" />. The LZW stream
    /// sends a clear code before every two pixels, so no code ever grows past 3 bits and no table entry is used.
    /// </summary>
    public static byte[] Gif(int width, int height, byte[] palette, byte[] indices, int? transparentIndex = null)
    {
        using var output = new MemoryStream();
        output.Write("GIF89a"u8);
        WriteUInt16(output, width);
        WriteUInt16(output, height);
        output.Write([0x81, 0, 0]); // global table of 2^(1+1) = 4 colours
        output.Write(palette);
        if (transparentIndex is { } transparent)
        {
            output.Write([0x21, 0xF9, 4, 1, 0, 0, (byte)transparent, 0]);
        }

        output.WriteByte(0x2C);
        WriteUInt16(output, 0);
        WriteUInt16(output, 0);
        WriteUInt16(output, width);
        WriteUInt16(output, height);
        output.WriteByte(0);
        output.WriteByte(2); // LZW minimum code size: clear = 4, end = 5

        var codes = new List<int>();
        for (var i = 0; i < indices.Length; i++)
        {
            if (i % 2 == 0)
            {
                codes.Add(4);
            }

            codes.Add(indices[i]);
        }

        codes.Add(5);
        var packed = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var code in codes)
        {
            buffer |= code << bits;
            bits += 3;
            while (bits >= 8)
            {
                packed.Add((byte)(buffer & 0xFF));
                buffer >>= 8;
                bits -= 8;
            }
        }

        if (bits > 0)
        {
            packed.Add((byte)buffer);
        }

        output.WriteByte((byte)packed.Count);
        output.Write(packed.ToArray());
        output.WriteByte(0);
        output.WriteByte(0x3B);
        return output.ToArray();
    }

    /// <summary>
    /// A baseline JPEG of one 8x8 block per component (Y, Cb, Cr, no subsampling) of one flat colour: quantisation
    /// 1 everywhere, only DC coefficients, a DC Huffman table giving category c the 4-bit code c and an AC table
    /// holding only end-of-block.
    /// </summary>
    public static byte[] FlatJpeg(byte red, byte green, byte blue)
    {
        // JFIF's full-range YCbCr.
        double y = (0.299 * red) + (0.587 * green) + (0.114 * blue);
        double cb = 128 - (0.168736 * red) - (0.331264 * green) + (0.5 * blue);
        double cr = 128 + (0.5 * red) - (0.418688 * green) - (0.081312 * blue);
        // A flat block's DC coefficient is 8 × (sample − 128).
        int[] dc = [(int)Math.Round(8 * (y - 128)), (int)Math.Round(8 * (cb - 128)), (int)Math.Round(8 * (cr - 128))];

        using var output = new MemoryStream();
        output.Write([0xFF, 0xD8]);
        var quantisation = new byte[65];
        Array.Fill(quantisation, (byte)1);
        quantisation[0] = 0;
        WriteSegment(output, 0xDB, quantisation);
        WriteSegment(output, 0xC0, [8, 0, 8, 0, 8, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);

        var dcTable = new byte[1 + 16 + 12];
        dcTable[0] = 0x00;
        dcTable[1 + 3] = 12; // twelve codes of length 4
        for (var category = 0; category < 12; category++)
        {
            dcTable[17 + category] = (byte)category;
        }

        WriteSegment(output, 0xC4, dcTable);
        var acTable = new byte[1 + 16 + 1];
        acTable[0] = 0x10;
        acTable[1] = 1; // one code of length 1: end of block
        WriteSegment(output, 0xC4, acTable);
        WriteSegment(output, 0xDA, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);

        var bits = new List<bool>();
        foreach (var value in dc)
        {
            var category = value == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(value));
            AppendBits(bits, category, 4);
            AppendBits(bits, value >= 0 ? value : value + (1 << category) - 1, category);
            bits.Add(false); // end of block
        }

        while (bits.Count % 8 != 0)
        {
            bits.Add(true);
        }

        for (var i = 0; i < bits.Count; i += 8)
        {
            var value = 0;
            for (var j = 0; j < 8; j++)
            {
                value = (value << 1) | (bits[i + j] ? 1 : 0);
            }

            output.WriteByte((byte)value);
            if (value == 0xFF)
            {
                output.WriteByte(0);
            }
        }

        output.Write([0xFF, 0xD9]);
        return output.ToArray();
    }

    private static void AppendBits(List<bool> bits, int value, int count)
    {
        for (var bit = count - 1; bit >= 0; bit--)
        {
            bits.Add(((value >> bit) & 1) == 1);
        }
    }

    private static void WriteSegment(Stream output, byte marker, byte[] payload)
    {
        output.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        output.Write(payload);
    }

    private static void WriteUInt16(Stream output, int value)
    {
        output.WriteByte((byte)value);
        output.WriteByte((byte)(value >> 8));
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        output.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in data)
        {
            crc ^= value;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
