namespace Qrt.Runtime.Text;

/// <summary>
/// One part of a message's content: text, or an image or video placeholder. In the chat template a text part is
/// <c>{"type": "text", "text": ...}</c>, an image part <c>{"type": "image"}</c> and a video part
/// <c>{"type": "video"}</c>, as transformers passes them; the template turns image parts into the model's image
/// token(s) and the processor expands those to the image's size.
/// </summary>
public sealed class ChatContentPart
{
    private static readonly ChatContentPart ImagePart = new(ChatContentKind.Image, null);
    private static readonly ChatContentPart VideoPart = new(ChatContentKind.Video, null);

    private ChatContentPart(ChatContentKind kind, string? text)
    {
        Kind = kind;
        Text = text;
    }

    /// <summary>Text, image or video.</summary>
    public ChatContentKind Kind { get; }

    /// <summary>The text of a text part; null for image and video parts.</summary>
    public string? Text { get; }

    /// <summary>A text part.</summary>
    public static ChatContentPart FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ChatContentPart(ChatContentKind.Text, text);
    }

    /// <summary>An image placeholder.</summary>
    public static ChatContentPart Image() => ImagePart;

    /// <summary>A video placeholder.</summary>
    public static ChatContentPart Video() => VideoPart;
}
