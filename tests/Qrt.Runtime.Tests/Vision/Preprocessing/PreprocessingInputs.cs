using System.Text.Json;
using Qrt.Runtime.Json;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Vision.Preprocessing;

/// <summary>Synthetic pictures, configs read from JSON text, and the documented steps worked by hand.</summary>
internal static class PreprocessingInputs
{
    /// <summary>A smooth gradient with seeded noise, so resizing has both edges and flat areas to work on.</summary>
    public static RgbImage Picture(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new byte[3 * width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var channel = 0; channel < 3; channel++)
                {
                    var gradient = (255.0 * (x + (channel * y)) / (width + (channel * height))) + random.Next(-40, 41);
                    pixels[(3 * ((y * width) + x)) + channel] = (byte)Math.Clamp((int)gradient, 0, 255);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    public static PreprocessorConfig Config(string json)
    {
        using var document = JsonDocument.Parse(json);
        return PreprocessorConfig.Parse(new JsonSection(PreprocessorConfig.FileName, string.Empty, document.RootElement.Clone()));
    }

    /// <summary>
    /// The value the pipeline must give a byte of channel <paramref name="channel" />: x · rescale in double,
    /// stored as float32, then (x − mean) / std in float32, each step only when its flag is on.
    /// </summary>
    public static float Normalised(byte value, int channel, PreprocessorConfig config)
    {
        var scaled = config.DoRescale ? (float)(value * config.RescaleFactor) : value;
        return config.DoNormalize ? (scaled - (float)config.ImageMean[channel]) / (float)config.ImageStd[channel] : scaled;
    }

    /// <summary>Byte of channel <paramref name="channel" /> at (<paramref name="x" />, <paramref name="y" />).</summary>
    public static byte Pixel(RgbImage image, int x, int y, int channel) => image.Pixels[(3 * ((y * image.Width) + x)) + channel];

    /// <summary>The image resized by hand (BicubicResizer is the tested Pillow-exact resize).</summary>
    public static RgbImage Resized(RgbImage image, int width, int height) => BicubicResizer.Resize(image, width, height);
}
