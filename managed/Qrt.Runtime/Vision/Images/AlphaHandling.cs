namespace Qrt.Runtime.Vision.Images;

/// <summary>What decoding does with the alpha channel of an image that has one (RGBA, grey + alpha, a palette with transparency).</summary>
public enum AlphaHandling
{
    /// <summary>
    /// Keep the colour and ignore alpha, as PIL's <c>Image.convert("RGB")</c> does. This is what current transformers
    /// does for both Pixtral and Qwen2-VL: their image processors call <c>image_transforms.convert_to_rgb</c>, which is
    /// exactly that conversion.
    /// </summary>
    Discard,

    /// <summary>
    /// Paste the image on an opaque white background using its alpha as the mask, as mistral_common and the
    /// transformers Pixtral processor of versions 4.45 to 4.4x did (<c>Image.new("RGBA", size, "WHITE").paste(image,
    /// (0, 0), image)</c>). Each channel becomes Pillow's rounded blend <c>(255·(255 − a) + c·a) / 255</c>.
    /// </summary>
    CompositeOnWhite,
}
