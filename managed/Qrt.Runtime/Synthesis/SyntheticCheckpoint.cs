using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Synthesis.Tokenizers;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// Writes a random-weight checkpoint in the exact on-disk layout of a Hugging Face model directory: config.json
/// (with the quantization_config llm-compressor or AutoFP8 writes), model.safetensors (or shards and
/// model.safetensors.index.json), generation_config.json, tokenizer.json and tokenizer_config.json with a chat
/// template, and for a vision-language model preprocessor_config.json (and Pixtral's processor_config.json). The weights are random, so the model's text is meaningless; the files load and run exactly as a
/// real model's would. Tensors are generated and written one at a time, so memory stays about one tensor.
/// </summary>
public static class SyntheticCheckpoint
{
    /// <summary>Writes the checkpoint <paramref name="options" /> describe and reports each tensor to <paramref name="progress" />.</summary>
    /// <exception cref="IOException">The output directory is not empty and <see cref="SyntheticCheckpointOptions.Overwrite" /> is false.</exception>
    /// <exception cref="ArgumentException">The options are inconsistent (a shard count above the tensor count, bad dimensions).</exception>
    public static SyntheticCheckpointSummary Write(SyntheticCheckpointOptions options, IProgress<SyntheticCheckpointProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.OutputDirectory);
        var dims = options.ResolvedDimensions;
        dims.Validate(options.Architecture);
        var directory = Path.GetFullPath(options.OutputDirectory);
        PrepareDirectory(directory, options.Overwrite);

        var tensors = ArchitectureLayout.Plan(options.Architecture, options.Scheme, dims);
        var shards = ShardPlanner.Split(tensors, options.Shards);
        var files = new List<string>();
        var source = new TensorSource(options.Seed);
        var written = 0;
        var weightMap = new List<(string Tensor, string Shard)>();
        for (var s = 0; s < shards.Count; s++)
        {
            var name = shards.Count == 1 ? SafetensorsCheckpoint.SingleFileName : ShardPlanner.ShardName(s, shards.Count);
            var path = Path.Combine(directory, name);
            var infos = shards[s].Select(tensor => new SafetensorsTensorInfo(tensor.Name, tensor.DType, tensor.Shape)).ToList();
            var byName = shards[s].ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
            SafetensorsWriter.Write(path, infos, info =>
            {
                var bytes = source.Bytes(byName[info.Name]);
                progress?.Report(new SyntheticCheckpointProgress(info.Name, ++written, tensors.Count));
                return bytes;
            });
            files.Add(path);
            weightMap.AddRange(shards[s].Select(tensor => (tensor.Name, name)));
        }

        var tensorBytes = tensors.Sum(tensor => tensor.ByteLength);
        if (shards.Count > 1)
        {
            var indexPath = Path.Combine(directory, SafetensorsCheckpoint.IndexFileName);
            WriteIndex(indexPath, tensorBytes, weightMap);
            files.Add(indexPath);
        }

        var vocabulary = Vocabulary(options.Architecture, dims.VocabSize);
        var quantization = QuantizationConfigJson.Build(options.Architecture, options.Scheme, dims, CompressionRatio(tensors));
        var configPath = Path.Combine(directory, "config.json");
        ModelConfigJson.Config(options.Architecture, dims, vocabulary, quantization).WriteFile(configPath);
        var generationPath = Path.Combine(directory, "generation_config.json");
        ModelConfigJson.GenerationConfig(options.Architecture, vocabulary).WriteFile(generationPath);
        files.Add(configPath);
        files.Add(generationPath);
        files.AddRange(TokenizerFilesWriter.Write(directory, vocabulary));
        files.AddRange(ProcessorConfigJson.Write(directory, options.Architecture, vocabulary.Format.Template));

        var parameters = tensors.Select(tensor => tensor.Recipe).Distinct().Sum(recipe => recipe.ParameterCount);
        return new SyntheticCheckpointSummary(directory, files, parameters, tensors.Count, tensorBytes, files.Sum(file => new FileInfo(file).Length));
    }

    /// <summary>
    /// The tokenizer of a checkpoint of <paramref name="architecture" /> with <paramref name="vocabSize" /> ids: its
    /// files depend on these two alone (the architecture through its chat format).
    /// </summary>
    internal static SyntheticVocabulary Vocabulary(SyntheticArchitecture architecture, int vocabSize) =>
        SyntheticVocabulary.Build(ChatFormat.For(architecture), vocabSize);

    /// <summary>Whether <paramref name="directory" /> exists and holds any file or folder.</summary>
    public static bool IsNonEmptyDirectory(string directory) =>
        Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any();

    private static void PrepareDirectory(string directory, bool overwrite)
    {
        if (File.Exists(directory))
        {
            throw new IOException($"{directory} is a file; the checkpoint needs a directory");
        }

        if (IsNonEmptyDirectory(directory))
        {
            if (!overwrite)
            {
                throw new IOException($"{directory} is not empty; choose an empty or new directory, or allow overwriting");
            }

            // An earlier checkpoint's shards or index would be read in place of the new weights: remove them.
            foreach (var stale in Directory.EnumerateFiles(directory, "model*.safetensors*"))
            {
                File.Delete(stale);
            }
        }

        Directory.CreateDirectory(directory);
    }

    private static void WriteIndex(string path, long totalSize, IReadOnlyList<(string Tensor, string Shard)> weightMap)
    {
        var map = new JsonEntries();
        foreach (var (tensor, shard) in weightMap)
        {
            map.Set(tensor, shard);
        }

        new JsonEntries()
            .Set("metadata", new JsonEntries().Set("total_size", totalSize))
            .Set("weight_map", map)
            .WriteFile(path);
    }

    /// <summary>BF16 bytes of the quantized linears over the bytes they are stored in.</summary>
    private static double CompressionRatio(IReadOnlyList<PlannedTensor> tensors)
    {
        var linears = tensors.Where(tensor => tensor.Recipe is LinearRecipe).ToList();
        var stored = linears.Sum(tensor => tensor.ByteLength);
        var original = linears.Select(tensor => tensor.Recipe).Distinct().Sum(recipe => recipe.ParameterCount * 2);
        return stored == 0 ? 1 : (double)original / stored;
    }

    /// <summary>
    /// Produces tensor bytes on demand, generating a recipe's tensors together (a linear layer's weight and
    /// scales come from one random weight) and forgetting them once each has been written.
    /// </summary>
    private sealed class TensorSource(int seed)
    {
        private readonly Dictionary<TensorRecipe, Dictionary<string, byte[]>> _pending = [];

        public byte[] Bytes(PlannedTensor tensor)
        {
            if (!_pending.TryGetValue(tensor.Recipe, out var produced))
            {
                produced = new Dictionary<string, byte[]>(tensor.Recipe.Produce(seed), StringComparer.Ordinal);
                _pending[tensor.Recipe] = produced;
            }

            var bytes = produced[tensor.Name];
            produced.Remove(tensor.Name);
            if (produced.Count == 0)
            {
                _pending.Remove(tensor.Recipe);
            }

            return bytes;
        }
    }
}
