namespace Qrt.Runtime.Vision.Processing;

/// <summary>The size, in pixels, an image is resized to before it is cut into patches.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
internal readonly record struct ImageDimensions(int Width, int Height);
