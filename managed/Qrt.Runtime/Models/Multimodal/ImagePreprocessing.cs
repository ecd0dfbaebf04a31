using System.Globalization;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>Preprocesses the images of a prompt one by one, naming the image a processor refuses.</summary>
internal static class ImagePreprocessing
{
    /// <summary><paramref name="preprocess"/> applied to each image, in order.</summary>
    /// <exception cref="ArgumentException">An image cannot be preprocessed; the message says which and why.</exception>
    public static T[] Each<T>(IReadOnlyList<RgbImage> images, Func<RgbImage, T> preprocess)
    {
        var prepared = new T[images.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            var image = images[i] ?? throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"image {i + 1} is null"), nameof(images));
            try
            {
                prepared[i] = preprocess(image);
            }
            catch (ArgumentException problem)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"image {i + 1} of {images.Count} ({image.Width}x{image.Height}) cannot be prepared: {problem.Message}"),
                    nameof(images),
                    problem);
            }
        }

        return prepared;
    }
}
