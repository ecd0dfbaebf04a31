namespace Qrt.Runtime.Models.Vision;

/// <summary>An image's size in patches; its patches enter the encoder row by row (index = row · Columns + column).</summary>
/// <param name="Rows">Patches down (height / patch_size).</param>
/// <param name="Columns">Patches across (width / patch_size).</param>
internal readonly record struct PatchGrid(int Rows, int Columns)
{
    /// <summary>Patches in the image.</summary>
    public int Count => Rows * Columns;
}
