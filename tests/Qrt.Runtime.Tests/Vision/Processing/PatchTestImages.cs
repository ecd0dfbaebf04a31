using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>Images whose every value says where it came from: channel · 10000 + y · 100 + x.</summary>
internal static class PatchTestImages
{
    public static float Value(int channel, int y, int x) => (channel * 10000) + (y * 100) + x;

    public static NormalizedImage Labelled(int width, int height)
    {
        var values = new float[3 * width * height];
        for (var channel = 0; channel < 3; channel++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    values[(((channel * height) + y) * width) + x] = Value(channel, y, x);
                }
            }
        }

        return new NormalizedImage(width, height, values);
    }
}
