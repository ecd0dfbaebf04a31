namespace Qrt.Runtime.Vision.Processing;

/// <summary>The ids of Pixtral's image tokens in a model's vocabulary (tekken: 10, 12, 13).</summary>
/// <param name="Image">[IMG]: one per patch, and the placeholder a rendered prompt holds for each image.</param>
/// <param name="Break">[IMG_BREAK]: ends each patch row but the last.</param>
/// <param name="End">[IMG_END]: ends the last patch row.</param>
internal readonly record struct PixtralImageTokenIds(int Image, int Break, int End);
