using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Models;

/// <summary>Everything read from a text model's directory: the model itself and the files that drive generation.</summary>
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

    /// <summary>config.json.</summary>
    public TextModelConfig Config => config;

    /// <summary>generation_config.json, or <see cref="GenerationConfig.Empty"/> without one.</summary>
    public GenerationConfig Generation => generation;

    /// <summary>The tokenizer of tokenizer.json and tokenizer_config.json.</summary>
    public Tokenizer Tokenizer => tokenizer;

    /// <summary>The chat template, or null when the model has none.</summary>
    public ChatTemplate? ChatTemplate => chatTemplate;

    /// <summary>Architecture, size and schemes, for <c>qrt info</c>.</summary>
    public ModelSummary Summary => summary;

    public void Dispose() => model.Dispose();
}
