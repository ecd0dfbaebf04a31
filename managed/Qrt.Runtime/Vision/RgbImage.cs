namespace Qrt.Runtime.Vision;

/// <summary>
/// An 8-bit RGB image, rows top to bottom, pixels left to right, three bytes (R, G, B) per pixel: what a decoded
/// file becomes after alpha compositing, and what resizing works on, as PIL images do in the reference processors.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> (width · height · 3 bytes, not copied).</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != 3L * width * height)
        {
            throw new ArgumentException($"a {width}x{height} RGB image has {3L * width * height} bytes; got {pixels.LongLength}", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>R, G, B bytes of each pixel, row-major.</summary>
    public byte[] Pixels { get; }
}
