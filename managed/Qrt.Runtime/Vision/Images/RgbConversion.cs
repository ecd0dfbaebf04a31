namespace Qrt.Runtime.Vision.Images;

/// <summary>Turns decoded RGBA pixels into the RGB image the processors see.</summary>
internal static class RgbConversion
{
    /// <summary>
    /// RGB from <paramref name="rgba" /> (width · height · 4 bytes). Grey sources arrive here already replicated to
    /// R = G = B, which is PIL's "L" → "RGB".
    /// </summary>
    public static RgbImage FromRgba(int width, int height, byte[] rgba, AlphaHandling alpha)
    {
        var pixelCount = width * height;
        var rgb = new byte[3 * pixelCount];
        for (var pixel = 0; pixel < pixelCount; pixel++)
        {
            var source = 4 * pixel;
            var target = 3 * pixel;
            if (alpha == AlphaHandling.CompositeOnWhite)
            {
                var a = rgba[source + 3];
                rgb[target] = BlendOnWhite(rgba[source], a);
                rgb[target + 1] = BlendOnWhite(rgba[source + 1], a);
                rgb[target + 2] = BlendOnWhite(rgba[source + 2], a);
            }
            else
            {
                rgb[target] = rgba[source];
                rgb[target + 1] = rgba[source + 1];
                rgb[target + 2] = rgba[source + 2];
            }
        }

        return new RgbImage(width, height, rgb);
    }

    /// <summary>
    /// Pillow's masked paste of <paramref name="colour" /> over 255 with mask <paramref name="alpha" />: the blend
    /// 255·(255 − a) + c·a divided by 255 with its DIV255 rounding, ((t >> 8) + t) >> 8 where t = blend + 128.
    /// </summary>
    public static byte BlendOnWhite(byte colour, byte alpha)
    {
        var blend = (255 * (255 - alpha)) + (colour * alpha) + 128;
        return (byte)(((blend >> 8) + blend) >> 8);
    }
}
