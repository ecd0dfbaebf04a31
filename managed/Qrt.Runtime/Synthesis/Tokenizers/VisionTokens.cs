namespace Qrt.Runtime.Synthesis.Tokenizers;

/// <summary>The image control tokens of the vision-language chat formats, spelled as the released tokenizers spell them.</summary>
internal static class VisionTokens
{
    /// <summary>Pixtral's image patch placeholder.</summary>
    public const string PixtralImage = "[IMG]";

    /// <summary>Pixtral's end of a row of patches.</summary>
    public const string PixtralImageBreak = "[IMG_BREAK]";

    /// <summary>Pixtral's end of an image (replaces the last row's break).</summary>
    public const string PixtralImageEnd = "[IMG_END]";

    /// <summary>Qwen2-VL's start of an image or video.</summary>
    public const string Qwen2VlVisionStart = "<|vision_start|>";

    /// <summary>Qwen2-VL's end of an image or video.</summary>
    public const string Qwen2VlVisionEnd = "<|vision_end|>";

    /// <summary>Qwen2-VL's generic vision placeholder (vision_token_id).</summary>
    public const string Qwen2VlVisionPad = "<|vision_pad|>";

    /// <summary>Qwen2-VL's image patch placeholder, repeated once per merged patch.</summary>
    public const string Qwen2VlImage = "<|image_pad|>";

    /// <summary>Qwen2-VL's video patch placeholder.</summary>
    public const string Qwen2VlVideo = "<|video_pad|>";
}
