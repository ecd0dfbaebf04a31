using Qrt.Runtime.Models.Multimodal;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime;

/// <summary>A prompt's token ids and the images its placeholders stand for, as a request brings them.</summary>
internal sealed record PromptRequest(int[] Ids, IReadOnlyList<RgbImage> Images);

/// <summary>A request checked against the context: its final ids, and its images ready to encode (null without images).</summary>
internal sealed record PreparedPrompt(int[] Ids, IImagePrompt? Images);
