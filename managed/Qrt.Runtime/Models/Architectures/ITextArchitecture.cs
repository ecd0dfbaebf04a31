using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Architectures;

/// <summary>One transformers model class: how its config becomes a <see cref="DecoderPlan"/> of hub tensor names.</summary>
internal interface ITextArchitecture
{
    /// <summary>The architecture this describes.</summary>
    TextArchitecture Architecture { get; }

    /// <summary>The checkpoint's tensors for <paramref name="config"/>.</summary>
    DecoderPlan Plan(TextModelConfig config);
}
