namespace Qrt.Runtime.Vision.Processing;

/// <summary>An image's patch grid as Qwen2-VL's image_grid_thw gives it: frames, patch rows, patch columns.</summary>
/// <param name="Temporal">Temporal patches (1 for an image: its two copies make one temporal patch).</param>
/// <param name="Height">Patch rows: resized height / 14.</param>
/// <param name="Width">Patch columns: resized width / 14.</param>
internal readonly record struct Qwen2VlGrid(int Temporal, int Height, int Width)
{
    /// <summary>Patches the vision encoder sees: t · h · w.</summary>
    public int PatchCount => checked(Temporal * Height * Width);

    /// <summary>Patches of one temporal slice (Height · Width): the span of one attention segment in the encoder.</summary>
    public int FramePatchCount => checked(Height * Width);
}
