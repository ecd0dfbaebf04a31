using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Vision.Preprocessing;

/// <summary>
/// One image made ready for the Pixtral vision encoder and the prompt: its patch rows (row-major patches of
/// 3 · p · p values) and the size it was resized to.
/// </summary>
/// <param name="Patches">The encoder's input rows, <see cref="PatchRows.GridRows" /> × <see cref="PatchRows.GridColumns" /> patches.</param>
/// <param name="Size">The pixel size the patches were cut from (the resized size, or the original when do_resize is off).</param>
internal sealed record PixtralPreprocessedImage(PatchRows Patches, ImageDimensions Size)
{
    /// <summary>The patch grid the encoder takes for this image.</summary>
    public PatchGrid Grid => new(Patches.GridRows, Patches.GridColumns);

    /// <summary>Image tokens in the prompt: one per patch plus one [IMG_BREAK] / [IMG_END] per patch row.</summary>
    public int TokenCount => PixtralImageLayout.TokenCount(Patches.GridRows, Patches.GridColumns);
}
