using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Multimodal;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Models;

/// <summary>
/// Everything read from a model directory: the language model, the image encoder of a vision-language model, and the
/// files that drive generation.
/// </summary>
internal sealed class LoadedTextModel(
    string directory,
    ICausalLanguageModel model,
    TextModelConfig config,
    GenerationConfig generation,
    Tokenizer tokenizer,
    ChatTemplate? chatTemplate,
    ModelSummary summary) : IDisposable
{
    /// <summary>The model directory.</summary>
    public string Directory => directory;

    /// <summary>The network and its sequences.</summary>
    public ICausalLanguageModel Model => model;

    /// <summary>The image side of a vision-language model; null for a text model.</summary>
    public IImagePromptEncoder? Images { get; init; }

    /// <summary>The language model's part of config.json (text_config for Llava).</summary>
    public TextModelConfig Config => config;

    /// <summary>generation_config.json, or <see cref="GenerationConfig.Empty"/> without one.</summary>
    public GenerationConfig Generation => generation;

    /// <summary>The tokenizer of tokenizer.json and tokenizer_config.json.</summary>
    public Tokenizer Tokenizer => tokenizer;

    /// <summary>The chat template, or null when the model has none.</summary>
    public ChatTemplate? ChatTemplate => chatTemplate;

    /// <summary>Architecture, size and schemes, for <c>qrt info</c>.</summary>
    public ModelSummary Summary => summary;

    public void Dispose()
    {
        Images?.Dispose();
        model.Dispose();
    }
}
