using System.Text.Json;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Bindings;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// One model golden of tests/goldens/models (written by tests/reference/model_goldens.py in the reference root):
/// the synth checkpoint it was made from, the prompt ids of the real tokenizer, the greedy continuation, and FP32
/// logits [positions, vocab] at the last prompt positions and at every continuation token.
/// </summary>
internal sealed class ModelGolden
{
    private ModelGolden(string name, string directory, JsonElement manifest, GoldenTensors tensors)
    {
        Name = name;
        Directory = directory;
        Manifest = manifest;
        Tensors = tensors;
        var synth = manifest.GetProperty("synth");
        Options = (
            Parse<SyntheticArchitecture>(synth.GetProperty("arch").GetString()!, SyntheticNames.TryParse),
            Parse<SyntheticScheme>(synth.GetProperty("scheme").GetString()!, SyntheticNames.TryParse),
            Parse<SyntheticSize>(synth.GetProperty("size").GetString()!, SyntheticNames.TryParse),
            synth.GetProperty("seed").GetInt32(),
            synth.GetProperty("shards").GetInt32());
        PromptIds = Ints(manifest.GetProperty("prompt_ids"));
        GreedyTokens = Ints(manifest.GetProperty("greedy_tokens"));
        LogitPositions = Ints(manifest.GetProperty("logit_positions"));
        FirstContinuationRow = Array.IndexOf(LogitPositions, PromptIds.Length - 1);
        Logits = Enumerable.Range(0, LogitPositions.Length).Select(row => tensors.Row("logits", row)).ToArray();
        Vision = manifest.TryGetProperty("vision", out var vision) ? vision.GetString() : null;
    }

    /// <summary>tests/goldens/models in the repository.</summary>
    public static string Root => Path.Combine(BindingsTestSupport.RepositoryRoot, "tests", "goldens", "models");

    /// <summary>The case name: the directory's name, such as "mistral-w4a16".</summary>
    public string Name { get; }

    public string Directory { get; }

    /// <summary>manifest.json as written by the golden script.</summary>
    public JsonElement Manifest { get; }

    /// <summary>The synth options that rebuild the checkpoint.</summary>
    public (SyntheticArchitecture Architecture, SyntheticScheme Scheme, SyntheticSize Size, int Seed, int Shards) Options { get; }

    /// <summary>The prompt ids the real tokenizer gave through apply_chat_template (with image tokens expanded for VLMs).</summary>
    public int[] PromptIds { get; }

    /// <summary>The reference's greedy continuation.</summary>
    public int[] GreedyTokens { get; }

    /// <summary>The sequence positions of the rows of <see cref="Logits" />.</summary>
    public int[] LogitPositions { get; }

    /// <summary>The row of <see cref="Logits" /> at the last prompt position (it predicts the first greedy token).</summary>
    public int FirstContinuationRow { get; }

    /// <summary>FP32 logits, one row per entry of <see cref="LogitPositions" />.</summary>
    public float[][] Logits { get; }

    /// <summary>The tensors of tensors.safetensors: the logits and the probed layers' inputs and outputs.</summary>
    public GoldenTensors Tensors { get; }

    /// <summary>The processor golden (tests/goldens/vision/NAME) of a vision-language golden; null for a text model.</summary>
    public string? Vision { get; }

    /// <summary>Every golden under <see cref="Root" />, by name.</summary>
    public static IEnumerable<string> Names() =>
        System.IO.Directory.Exists(Root)
            ? System.IO.Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Order(StringComparer.Ordinal)!
            : [];

    /// <summary>Reads the golden <paramref name="name" />.</summary>
    public static ModelGolden Load(string name)
    {
        var directory = Path.Combine(Root, name);
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "manifest.json")));
        return new ModelGolden(name, directory, document.RootElement.Clone(), new GoldenTensors(Path.Combine(directory, "tensors.safetensors")));
    }

    private delegate bool TryParser<T>(string text, out T value);

    private static T Parse<T>(string text, TryParser<T> parse) =>
        parse(text, out var value) ? value : throw new InvalidDataException($"golden manifest: unknown synth value '{text}'");

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
