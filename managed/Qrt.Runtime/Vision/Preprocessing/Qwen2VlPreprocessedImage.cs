using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Vision.Preprocessing;

/// <summary>
/// One image made ready for the Qwen2-VL vision encoder and the prompt: its patch rows in merge-window order,
/// its grid (image_grid_thw) and the size it was resized to.
/// </summary>
/// <param name="Patches">The encoder's input rows (pixel_values), 3 · temporal · p · p values each.</param>
/// <param name="Grid">Temporal patches, patch rows and patch columns.</param>
/// <param name="Size">The pixel size the patches were cut from.</param>
/// <param name="TokenCount">Image tokens in the prompt: patches / merge_size².</param>
internal sealed record Qwen2VlPreprocessedImage(PatchRows Patches, Qwen2VlGrid Grid, ImageDimensions Size, int TokenCount);
