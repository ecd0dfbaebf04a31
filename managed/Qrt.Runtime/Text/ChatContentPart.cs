using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Text;

/// <summary>
/// One part of a message's content: text, or an image or video placeholder. In the chat template a text part is
/// <c>{"type": "text", "text": ...}</c>, an image part <c>{"type": "image"}</c> and a video part
/// <c>{"type": "video"}</c>, as transformers passes them; the template turns image parts into the model's image
/// token(s) and the processor expands those to the image's size. An image part made by <see cref="FromImage" /> or
/// <see cref="FromImageFile" /> also carries the picture, which a vision-language model encodes in its place.
/// </summary>
public sealed class ChatContentPart
{
    private static readonly ChatContentPart ImagePart = new(ChatContentKind.Image, null);
    private static readonly ChatContentPart VideoPart = new(ChatContentKind.Video, null);

    private ChatContentPart(ChatContentKind kind, string? text, RgbImage? imageData = null)
    {
        Kind = kind;
        Text = text;
        ImageData = imageData;
    }

    /// <summary>Text, image or video.</summary>
    public ChatContentKind Kind { get; }

    /// <summary>The text of a text part; null for image and video parts.</summary>
    public string? Text { get; }

    /// <summary>The picture of an image part made from one; null for a bare placeholder and for other parts.</summary>
    public RgbImage? ImageData { get; }

    /// <summary>A text part.</summary>
    public static ChatContentPart FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ChatContentPart(ChatContentKind.Text, text);
    }

    /// <summary>An image placeholder without a picture (for rendering templates; a model needs <see cref="FromImage" />).</summary>
    public static ChatContentPart Image() => ImagePart;

    /// <summary>An image part carrying <paramref name="image" />.</summary>
    public static ChatContentPart FromImage(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new ChatContentPart(ChatContentKind.Image, null, image);
    }

    /// <summary>An image part with the picture decoded from the file at <paramref name="path" /> (PNG, JPEG, BMP, GIF, ...).</summary>
    /// <exception cref="ImageFormatException">The file is missing, unreadable or not a supported image; the message names it.</exception>
    public static ChatContentPart FromImageFile(string path) => FromImage(ImageDecoder.Decode(path));

    /// <summary>A video placeholder.</summary>
    public static ChatContentPart Video() => VideoPart;
}
