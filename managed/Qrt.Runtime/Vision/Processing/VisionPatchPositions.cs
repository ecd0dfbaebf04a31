namespace Qrt.Runtime.Vision.Processing;

/// <summary>The 2-D rotary position of each patch, in the order the vision encoder takes the patches.</summary>
/// <param name="Rows">Patch row of each patch.</param>
/// <param name="Columns">Patch column of each patch.</param>
internal sealed record VisionPatchPositions(int[] Rows, int[] Columns);
