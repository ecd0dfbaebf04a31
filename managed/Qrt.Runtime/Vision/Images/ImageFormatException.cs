namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// An image that cannot be decoded: a missing or unreadable file, empty or truncated data, an unsupported format
/// (WebP among them) or absurd dimensions. The message names the file (or "image data") and the reason.
/// </summary>
public sealed class ImageFormatException : Exception
{
    /// <summary>Creates an exception about <paramref name="imageName" /> (a path, or "image data").</summary>
    public ImageFormatException(string imageName, string problem)
        : base($"{imageName}: {problem}")
    {
        ImageName = imageName;
    }

    /// <summary>Creates an exception about <paramref name="imageName" /> caused by <paramref name="innerException" />.</summary>
    public ImageFormatException(string imageName, string problem, Exception innerException)
        : base($"{imageName}: {problem}", innerException)
    {
        ImageName = imageName;
    }

    /// <summary>Creates an exception with no image name.</summary>
    public ImageFormatException()
    {
        ImageName = string.Empty;
    }

    /// <summary>Creates an exception with a message and no image name.</summary>
    public ImageFormatException(string message)
        : base(message)
    {
        ImageName = string.Empty;
    }

    /// <summary>Creates an exception with a message, a cause and no image name.</summary>
    public ImageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        ImageName = string.Empty;
    }

    /// <summary>The file the image came from, or "image data" (or the caller's name for it) when it came from memory.</summary>
    public string ImageName { get; }
}
