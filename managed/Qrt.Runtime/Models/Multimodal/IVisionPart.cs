using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models.Loading;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// The image encoder of a vision-language checkpoint between reading its config and building it: the tensors it
/// needs (checked together with the language model's before any weight is read) and how to build it.
/// </summary>
internal interface IVisionPart
{
    /// <summary>Name → expectation of every tensor of the encoder and projector.</summary>
    IReadOnlyDictionary<string, TensorExpectation> Expectations { get; }

    /// <summary>Parameters of the encoder and projector as stored.</summary>
    long ParameterCount { get; }

    /// <summary>Loads the weights and builds the encoder; on failure everything loaded is freed.</summary>
    IImagePromptEncoder Build(CheckpointWeights weights, ILinearFactory linears);
}
