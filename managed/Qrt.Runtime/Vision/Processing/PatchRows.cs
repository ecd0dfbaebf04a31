namespace Qrt.Runtime.Vision.Processing;

/// <summary>An image cut into patches: <see cref="Count" /> rows of <see cref="RowLength" /> values each.</summary>
/// <param name="Values">Count · RowLength values, row after row.</param>
/// <param name="GridRows">Patches per column of the image.</param>
/// <param name="GridColumns">Patches per row of the image.</param>
/// <param name="RowLength">Values per patch row.</param>
internal sealed record PatchRows(float[] Values, int GridRows, int GridColumns, int RowLength)
{
    /// <summary>Number of patch rows: GridRows · GridColumns.</summary>
    public int Count => GridRows * GridColumns;
}
