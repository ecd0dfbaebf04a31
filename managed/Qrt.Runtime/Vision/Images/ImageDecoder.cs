using StbImageSharp;

namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// Decodes PNG, JPEG, BMP, GIF (first frame), TGA and PSD files into 8-bit RGB, as the reference processors see a
/// PIL image after <c>convert("RGB")</c>. WebP is recognised and refused with a clear message.
/// </summary>
/// <remarks>
/// Decoding is StbImageSharp (managed stb_image). PNG, BMP and opaque GIF give PIL's pixels exactly. Known
/// differences from PIL: JPEG differs from libjpeg's output by small IDCT/upsampling rounding; 16-bit PNG channels
/// keep their high byte; a GIF's transparent pixels come out black with <see cref="AlphaHandling.Discard" />, where
/// PIL keeps the palette colour of the transparent index. Truncated JPEG and BMP files, which stb_image would fill
/// with zeros, are refused as PIL refuses them.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>The largest image accepted, in pixels (2^28, 1 GiB of RGBA), checked before any pixel is allocated.</summary>
    public const long MaxPixels = 1L << 28;

    private const string MemoryName = "image data";

    /// <summary>Decodes the image file at <paramref name="path" />.</summary>
    /// <exception cref="ImageFormatException">The file is missing, unreadable, empty, truncated or not a supported image.</exception>
    public static RgbImage Decode(string path, AlphaHandling alpha = AlphaHandling.Discard)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = exception is FileNotFoundException or DirectoryNotFoundException ? "does not exist" : $"cannot be read: {exception.Message}";
            throw new ImageFormatException(path, reason, exception);
        }

        return DecodeBytes(data, path, alpha);
    }

    /// <summary>Decodes an image held in memory; <paramref name="name" /> names it in errors (default "image data").</summary>
    /// <exception cref="ImageFormatException">The data is empty, truncated or not a supported image.</exception>
    public static RgbImage Decode(byte[] data, string? name = null, AlphaHandling alpha = AlphaHandling.Discard)
    {
        ArgumentNullException.ThrowIfNull(data);
        return DecodeBytes(data, name ?? MemoryName, alpha);
    }

    /// <summary>Decodes an image held in memory; <paramref name="name" /> names it in errors (default "image data").</summary>
    /// <exception cref="ImageFormatException">The data is empty, truncated or not a supported image.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> data, string? name = null, AlphaHandling alpha = AlphaHandling.Discard) =>
        DecodeBytes(data.ToArray(), name ?? MemoryName, alpha);

    private static RgbImage DecodeBytes(byte[] data, string name, AlphaHandling alpha)
    {
        if (data.Length == 0)
        {
            throw new ImageFormatException(name, "is empty (0 bytes); expected a PNG, JPEG, BMP or GIF image");
        }

        if (ImageSignatures.IsWebP(data))
        {
            throw new ImageFormatException(name, "is a WebP image, which is not supported; convert it to PNG or JPEG");
        }

        if (ImageCompleteness.DeclaredSize(data) is { } declared)
        {
            CheckSize(name, declared.Width, declared.Height);
        }

        if (ImageCompleteness.FindTruncation(data) is { } truncation)
        {
            throw new ImageFormatException(name, $"cannot be decoded ({ImageSignatures.Describe(data)}): {truncation}");
        }

        var info = ReadHeader(data, name);
        CheckSize(name, info.Width, info.Height);

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(data, ColorComponents.RedGreenBlueAlpha);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IndexOutOfRangeException or ArgumentException
                                              or OverflowException or NullReferenceException or EndOfStreamException)
        {
            throw new ImageFormatException(name, $"cannot be decoded ({ImageSignatures.Describe(data)}): {exception.Message}", exception);
        }

        if (result is null || result.Data is null || result.Width != info.Width || result.Height != info.Height
            || result.Data.LongLength != 4L * result.Width * result.Height)
        {
            throw new ImageFormatException(name, $"cannot be decoded ({ImageSignatures.Describe(data)}): the decoder returned no complete image");
        }

        return RgbConversion.FromRgba(result.Width, result.Height, result.Data, alpha);
    }

    private static void CheckSize(string name, long width, long height)
    {
        if (width <= 0 || height <= 0 || width * height > MaxPixels)
        {
            throw new ImageFormatException(name, $"declares {width}x{height} pixels; at most {MaxPixels} pixels (and at least 1x1) are accepted");
        }
    }

    private static ImageInfo ReadHeader(byte[] data, string name)
    {
        ImageInfo? info;
        try
        {
            using var stream = new MemoryStream(data, writable: false);
            info = ImageInfo.FromStream(stream);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IndexOutOfRangeException or ArgumentException
                                              or OverflowException or NullReferenceException or EndOfStreamException)
        {
            throw new ImageFormatException(name, $"has an unreadable header ({ImageSignatures.Describe(data)}): {exception.Message}", exception);
        }

        return info ?? throw new ImageFormatException(
            name, $"is not a supported image ({ImageSignatures.Describe(data)}); expected PNG, JPEG, BMP, GIF, TGA or PSD");
    }
}
