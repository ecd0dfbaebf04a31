using System.Globalization;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// The two ends of running a vision encoder inside a prompt: the patch rows of several images as one input tensor,
/// and the encoder's output rows placed at the image-token positions of the prompt (transformers' masked_scatter).
/// </summary>
internal static class ImageFeatureRows
{
    /// <summary>
    /// The patch rows of <paramref name="images"/>, image after image, as one tensor [Σ count, row length] in the
    /// device's activation dtype (F32 on the CPU, BF16 on CUDA, as the reference feeds pixel values in the model's dtype).
    /// </summary>
    public static QrtTensor Upload(IReadOnlyList<PatchRows> images, Device device)
    {
        ArgumentNullException.ThrowIfNull(images);
        var rowLength = images[0].RowLength;
        var rows = images.Sum(image => (long)image.Count);
        var values = new float[checked(rows * rowLength)];
        var offset = 0;
        foreach (var image in images)
        {
            if (image.RowLength != rowLength)
            {
                throw new ArgumentException(Invariant($"every image's patch rows must have {rowLength} values; one has {image.RowLength}"), nameof(images));
            }

            image.Values.AsSpan(0, image.Count * rowLength).CopyTo(values.AsSpan(offset));
            offset += image.Count * rowLength;
        }

        return QrtTensor.FromFloats(values, device.ActivationDType(), [rows, rowLength], device);
    }

    /// <summary>
    /// The decoder input for <paramref name="tokens"/> whose <paramref name="imageTokenId"/> positions take the rows of
    /// <paramref name="features"/> [n, hidden] in order; there must be exactly n such positions.
    /// </summary>
    public static DecoderInput Place(int[] tokens, int imageTokenId, QrtTensor features, int[][]? rotaryPositions = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(features);
        var positions = new List<int>();
        for (var i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] == imageTokenId)
            {
                positions.Add(i);
            }
        }

        // The reference raises the same complaint when the image tokens and the features disagree in number.
        if (positions.Count != features.Size(0))
        {
            throw new InvalidOperationException(Invariant(
                $"the prompt has {positions.Count} image tokens (id {imageTokenId}) but the encoder gave {features.Size(0)} feature rows"));
        }

        return new DecoderInput(tokens)
        {
            Embeddings = features.ToFloats(),
            EmbeddingPositions = [.. positions],
            RotaryPositions = rotaryPositions,
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
