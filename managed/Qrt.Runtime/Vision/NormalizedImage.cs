namespace Qrt.Runtime.Vision;

/// <summary>
/// An image as a vision encoder takes it: FP32 values, channels first ([3, Height, Width]), already rescaled
/// (×1/255) and normalised ((x − mean) / std per channel).
/// </summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Values">3 · Height · Width values: channel, then row, then column.</param>
public sealed record NormalizedImage(int Width, int Height, float[] Values);
