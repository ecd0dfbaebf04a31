namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// One image's (or video's) size in Qwen2-VL patches, transformers' <c>image_grid_thw</c> row: frames of
/// temporal_patch_size pictures, and patches of patch_size² pixels down and across.
/// </summary>
/// <param name="Frames">Temporal patches (1 for a still image, which the processor repeats to fill one).</param>
/// <param name="Rows">Patches down (resized height / patch_size).</param>
/// <param name="Columns">Patches across (resized width / patch_size).</param>
internal readonly record struct Qwen2VlGrid(int Frames, int Rows, int Columns)
{
    /// <summary>Patches in one frame.</summary>
    public int FrameCount => Rows * Columns;

    /// <summary>Patches in all frames: the encoder's input rows for this image.</summary>
    public int Count => Frames * Rows * Columns;
}
