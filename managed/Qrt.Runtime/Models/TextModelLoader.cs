using System.Globalization;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Models.Multimodal;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Text;
using Qrt.Runtime.Text.Templates;

namespace Qrt.Runtime.Models;

/// <summary>
/// Loads a Hugging Face model directory — a text model, or a vision-language model (Pixtral in Llava form, Qwen2-VL)
/// with its image encoder — config, tokenizer, chat template and weights.
/// </summary>
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
        string directory, Device device, int? maxContextLength, IProgress<ModelLoadProgress>? progress, ILinearFactory linears, CancellationToken cancellationToken) =>
        Load(directory, device, maxContextLength, DeviceMemoryOptions.Default, progress, linears, cancellationToken);

    /// <summary>
    /// As <see cref="Load(string, Device, int?, IProgress{ModelLoadProgress}?, CancellationToken)"/>, with the GPU memory
    /// share and step size of <paramref name="memory"/> (see <see cref="DeviceMemoryOptions"/>; the CPU takes only the
    /// step size, and only when given).
    /// </summary>
    public static LoadedTextModel Load(
        string directory, Device device, int? maxContextLength, DeviceMemoryOptions memory, IProgress<ModelLoadProgress>? progress,
        ILinearFactory linears, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memory);
        memory.Validate();
        if (device.Backend == Backend.Cpu && memory.GpuMemoryUtilization is not null)
        {
            throw new ArgumentException("a GPU memory utilization applies to a CUDA device; the CPU's KV cache grows as sequences need it", nameof(memory));
        }

        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(linears);
        if (!Directory.Exists(directory))
        {
            throw new ModelFileException(directory, "the model directory does not exist");
        }

        var configPath = Path.Combine(directory, ConfigFileName);
        var configRoot = new JsonSection(configPath, string.Empty, JsonFile.ReadObject(configPath));
        var composition = ModelComposition.Read(configRoot);
        var config = composition.Text;
        var quantization = QuantizationConfig.Read(configRoot);
        var context = ContextLength(config, maxContextLength);
        var generationPath = Path.Combine(directory, GenerationConfigFileName);
        var generation = File.Exists(generationPath) ? GenerationConfig.Load(generationPath) : GenerationConfig.Empty;
        var tokenizer = Tokenizer.Load(directory);
        var chatTemplate = ChatTemplateLocator.Exists(directory) ? ChatTemplate.Load(directory) : null;

        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        var layout = composition.Layout(checkpoint);
        var plan = TextArchitectures.For(config.Architecture).Plan(config).Renamed(layout.TextName);
        var schemes = PlanExpectations.Schemes(plan, quantization);
        IVisionPart? vision = composition.Vision switch
        {
            VisionFamily.Pixtral => PixtralVisionPart.Read(configRoot, directory, config, tokenizer, quantization, layout),
            VisionFamily.Qwen2Vl => Qwen2VlVisionPart.Read(configRoot, directory, config, tokenizer, quantization, layout),
            _ => null,
        };
        var expected = PlanExpectations.Build(plan, schemes);
        foreach (var (name, expectation) in vision?.Expectations ?? new Dictionary<string, TensorExpectation>())
        {
            expected.Add(name, expectation);
        }

        checkpoint.RequireExactly(expected, PlanExpectations.IsIgnorable);
        CheckVocabulary(configPath, config, tokenizer);

        var weights = new CheckpointWeights(checkpoint, device, progress, cancellationToken);
        using var build = new PartialBuild();
        var stepTokens = device.Backend == Backend.Cpu ? memory.MaxStepTokens ?? int.MaxValue : memory.StepTokens;
        var model = build.Add(new DecoderBuilder(config, plan, schemes, weights, linears).Build(context, stepTokens));
        var images = vision is null ? null : build.Add(vision.Build(weights, linears));
        weights.Finish();
        model.ReserveDeviceMemory(memory, directory);
        var summary = new ModelSummary(
            composition.ClassName,
            ParameterCounting.Of(plan.PlainTensors(), plan.Linears()) + (vision?.ParameterCount ?? 0),
            checkpoint.TotalTensorBytes,
            weights.BytesInMemory,
            [.. SchemeSummary.Of(plan, model), .. images?.Schemes ?? []]);
        return build.Complete(new LoadedTextModel(directory, model, config, generation, tokenizer, chatTemplate, summary) { Images = images });
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
}
