namespace Qrt.Runtime.Vision.Processing;

/// <summary>The ids of Qwen2-VL's vision tokens in a model's vocabulary (151652, 151653, 151655 in the Qwen2 vocabulary).</summary>
/// <param name="VisionStart">&lt;|vision_start|&gt;: opens each image.</param>
/// <param name="VisionEnd">&lt;|vision_end|&gt;: closes each image.</param>
/// <param name="ImagePad">&lt;|image_pad|&gt;: the placeholder a rendered prompt holds for an image, and after expansion
/// one per merged image token.</param>
internal readonly record struct Qwen2VlImageTokenIds(int VisionStart, int VisionEnd, int ImagePad);
