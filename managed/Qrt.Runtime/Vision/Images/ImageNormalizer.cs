namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// Rescales and normalises an RGB image into the channels-first FP32 values a vision encoder takes, with the
/// arithmetic of transformers' NumPy path (image_transforms.rescale and normalize).
/// </summary>
internal static class ImageNormalizer
{
    /// <summary>
    /// x · rescale_factor, computed in double and stored as float32 (transformers upcasts to float64, multiplies,
    /// then casts down), then (x − mean) / std in float32 with mean and std rounded to float32 first, per channel.
    /// Steps whose do_rescale / do_normalize flag is off are skipped, leaving the byte value as a float.
    /// </summary>
    public static NormalizedImage Normalize(RgbImage image, PreprocessorConfig config)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(config);

        var plane = image.Width * image.Height;
        var values = new float[3 * plane];
        Span<float> mean = stackalloc float[3];
        Span<float> std = stackalloc float[3];
        for (var channel = 0; channel < 3; channel++)
        {
            mean[channel] = (float)config.ImageMean[channel];
            std[channel] = (float)config.ImageStd[channel];
        }

        var pixels = image.Pixels;
        Span<float> table = stackalloc float[256];
        for (var channel = 0; channel < 3; channel++)
        {
            // One lookup per byte value: the result depends only on the byte and the channel.
            for (var level = 0; level < 256; level++)
            {
                var value = config.DoRescale ? (float)(level * config.RescaleFactor) : level;
                table[level] = config.DoNormalize ? (value - mean[channel]) / std[channel] : value;
            }

            var output = values.AsSpan(channel * plane, plane);
            for (var pixel = 0; pixel < plane; pixel++)
            {
                output[pixel] = table[pixels[(3 * pixel) + channel]];
            }
        }

        return new NormalizedImage(image.Width, image.Height, values);
    }
}
