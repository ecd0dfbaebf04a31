namespace Qrt.Runtime.Text;

/// <summary>What a <see cref="ChatContentPart" /> holds.</summary>
public enum ChatContentKind
{
    /// <summary>Text.</summary>
    Text,

    /// <summary>An image; the chat template renders its placeholder and the processor expands it later.</summary>
    Image,

    /// <summary>A video; rendered as a placeholder like an image.</summary>
    Video,
}
