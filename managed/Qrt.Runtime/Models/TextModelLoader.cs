using System.Globalization;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Text;
using Qrt.Runtime.Text.Templates;

namespace Qrt.Runtime.Models;

/// <summary>Loads a Hugging Face text-model directory: config, tokenizer, chat template and weights.</summary>
internal static class TextModelLoader
{
    /// <summary>The config file every model directory has.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The optional sampling defaults.</summary>
    public const string GenerationConfigFileName = "generation_config.json";

    /// <summary>
    /// Reads the directory and builds the model on <paramref name="device"/>. <paramref name="maxContextLength"/>
    /// caps the tokens per sequence (default: the config's max_position_embeddings). Problems with the files raise
    /// <see cref="ModelFileException"/> naming the file and the tensor or key.
    /// </summary>
    public static LoadedTextModel Load(
        string directory, Device device, int? maxContextLength, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken) =>
        Load(directory, device, maxContextLength, progress, KernelLinearFactory.Instance, cancellationToken);

    /// <summary>As <see cref="Load(string, Device, int?, IProgress{ModelLoadProgress}?, CancellationToken)"/>, with the linear layers made by <paramref name="linears"/>.</summary>
    public static LoadedTextModel Load(
        string directory, Device device, int? maxContextLength, IProgress<ModelLoadProgress>? progress, ILinearFactory linears, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(linears);
        if (!Directory.Exists(directory))
        {
            throw new ModelFileException(directory, "the model directory does not exist");
        }

        if (device.Backend != Backend.Cpu)
        {
            throw new NotSupportedException(
                $"Text models run on the CPU backend for now: attention over the paged KV cache and mixture-of-experts routing have no CUDA kernels yet. Load '{directory}' on the CPU.");
        }

        var configPath = Path.Combine(directory, ConfigFileName);
        var configRoot = new JsonSection(configPath, string.Empty, JsonFile.ReadObject(configPath));
        var config = TextModelConfig.Read(configRoot);
        var quantization = QuantizationConfig.Read(configRoot);
        var context = ContextLength(config, maxContextLength);
        var generationPath = Path.Combine(directory, GenerationConfigFileName);
        var generation = File.Exists(generationPath) ? GenerationConfig.Load(generationPath) : GenerationConfig.Empty;
        var tokenizer = Tokenizer.Load(directory);
        var chatTemplate = ChatTemplateLocator.Exists(directory) ? ChatTemplate.Load(directory) : null;

        var plan = TextArchitectures.For(config.Architecture).Plan(config);
        var schemes = PlanExpectations.Schemes(plan, quantization);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        checkpoint.RequireExactly(PlanExpectations.Build(plan, schemes), PlanExpectations.IsIgnorable);
        CheckVocabulary(configPath, config, tokenizer);

        var weights = new CheckpointWeights(checkpoint, device, progress, cancellationToken);
        var model = new DecoderBuilder(config, plan, schemes, weights, linears).Build(context);
        var summary = new ModelSummary(
            $"{config.Architecture}ForCausalLM",
            ParameterCount(plan),
            checkpoint.TotalTensorBytes,
            weights.BytesInMemory,
            SchemeSummary.Of(plan, model));
        return new LoadedTextModel(directory, model, config, generation, tokenizer, chatTemplate, summary);
    }

    private static int ContextLength(TextModelConfig config, int? requested)
    {
        if (requested is not { } length)
        {
            return config.MaxPositionEmbeddings;
        }

        if (length <= 0 || length > config.MaxPositionEmbeddings)
        {
            throw new ArgumentOutOfRangeException(
                nameof(requested),
                length,
                string.Create(CultureInfo.InvariantCulture, $"the maximum context length must be between 1 and the model's max_position_embeddings ({config.MaxPositionEmbeddings})"));
        }

        return length;
    }

    /// <summary>Every id the tokenizer can produce must have an embedding row.</summary>
    private static void CheckVocabulary(string configPath, TextModelConfig config, Tokenizer tokenizer)
    {
        if (tokenizer.VocabularySize > config.VocabSize)
        {
            throw new ModelFileException(
                configPath,
                string.Create(CultureInfo.InvariantCulture, $"'vocab_size' is {config.VocabSize}, but the tokenizer has {tokenizer.VocabularySize} tokens"));
        }
    }

    private static long ParameterCount(DecoderPlan plan) =>
        plan.PlainTensors().Sum(tensor => tensor.Shape.Aggregate(1L, (product, extent) => product * extent))
        + plan.Linears().Sum(linear => (linear.OutFeatures * linear.InFeatures) + (linear.HasBias ? linear.OutFeatures : 0));
}
