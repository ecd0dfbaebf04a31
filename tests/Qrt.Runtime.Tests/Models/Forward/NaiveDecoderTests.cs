using System.Globalization;
using System.Text.Json.Nodes;
using Qrt.Runtime.Synthesis;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// Checks of the reference itself: its formulas against values worked out by hand, and the size of the logit
/// change each kind of mistake makes on the test checkpoints, which must dwarf <see cref="LogitComparison.ReferenceBound"/>.
/// </summary>
[TestFixture]
internal sealed class NaiveDecoderTests
{
    private static readonly int[] Prompt = [12, 250, 37, 301, 5, 88, 144, 199, 63, 270, 18];

    private ForwardCheckpoints _checkpoints = null!;

    [OneTimeSetUp]
    public void WriteCheckpoints() => _checkpoints = new ForwardCheckpoints();

    [OneTimeTearDown]
    public void DeleteCheckpoints() => _checkpoints.Dispose();

    [Test]
    public void Rotary_PairsDimensionIWithIPlusHalf_AtThetaPowers()
    {
        // d = 4, θ = 100: inv_freq = [100⁰, 100^(-2/4)] = [1, 0.1]; at position 1 the pair (x0, x2) turns by
        // 1 radian and (x1, x3) by 0.1 radian.
        double[] head = [1, 2, 3, 4];

        NaiveRotary.Apply(head, 0, 4, 1, 100);

        Assert.That(head[0], Is.EqualTo((1 * Math.Cos(1)) - (3 * Math.Sin(1))).Within(1e-15));
        Assert.That(head[2], Is.EqualTo((3 * Math.Cos(1)) + (1 * Math.Sin(1))).Within(1e-15));
        Assert.That(head[1], Is.EqualTo((2 * Math.Cos(0.1)) - (4 * Math.Sin(0.1))).Within(1e-15));
        Assert.That(head[3], Is.EqualTo((4 * Math.Cos(0.1)) + (2 * Math.Sin(0.1))).Within(1e-15));
    }

    [Test]
    public void Rotary_AtPositionZero_IsTheIdentity()
    {
        double[] values = [9, 1, 2, 3, 4];

        NaiveRotary.Apply(values, 1, 4, 0, 10000);

        Assert.That(values, Is.EqualTo(new double[] { 9, 1, 2, 3, 4 }));
    }

    [Test]
    public void RmsNorm_DividesByTheRootMeanSquareAndScales()
    {
        // mean(3², 4²) = 12.5, plus eps 0.5 = 13; 1/√13 · [3·1, 4·2].
        var normed = NaiveMath.RmsNorm([3, 4], [1, 2], 0.5);

        Assert.That(normed[0], Is.EqualTo(3 / Math.Sqrt(13)).Within(1e-15));
        Assert.That(normed[1], Is.EqualTo(8 / Math.Sqrt(13)).Within(1e-15));
    }

    public static IEnumerable<TestCaseData> Mutations()
    {
        TestCaseData Case(SyntheticArchitecture architecture, string name, Action<string, ModelDimensions> mutate) =>
            new TestCaseData(architecture, name, mutate).SetArgDisplayNames(architecture.ToString(), name);

        yield return Case(SyntheticArchitecture.Llama, "norm weight of ones", (directory, _) =>
            CheckpointEdits.Rewrite(directory, "model.layers.1.input_layernorm.weight", (_, _) => 1f));
        yield return Case(SyntheticArchitecture.Llama, "eps x10", (directory, _) =>
            EditConfig(directory, config => config["rms_norm_eps"] = config["rms_norm_eps"]!.GetValue<double>() * 10));
        yield return Case(SyntheticArchitecture.Mistral, "rope_theta 10000", (directory, _) =>
            EditConfig(directory, config => config["rope_theta"] = 10000.0));
        yield return Case(SyntheticArchitecture.Mistral, "interleaved rotary pairs", (directory, dims) =>
        {
            // Rows reordered within each head so that the half-split rotation acts on pairs (2i, 2i+1) of the original.
            foreach (var projection in new[] { "q_proj", "k_proj" })
            {
                Interleave(directory, $"model.layers.0.self_attn.{projection}.weight", dims);
            }
        });
        yield return Case(SyntheticArchitecture.Llama, "key/value heads swapped", (directory, dims) =>
        {
            foreach (var projection in new[] { "k_proj", "v_proj" })
            {
                SwapHeads(directory, $"model.layers.0.self_attn.{projection}.weight", dims);
            }
        });
        yield return Case(SyntheticArchitecture.Qwen2, "no q/k/v bias", (directory, _) =>
        {
            foreach (var projection in new[] { "q_proj", "k_proj", "v_proj" })
            {
                CheckpointEdits.Rewrite(directory, $"model.layers.0.self_attn.{projection}.bias", (_, _) => 0f);
            }
        });
        yield return Case(SyntheticArchitecture.Mixtral, "every expert's down projection doubled", (directory, dims) =>
        {
            for (var expert = 0; expert < dims.ExpertCount; expert++)
            {
                CheckpointEdits.Scale(directory, $"model.layers.1.block_sparse_moe.experts.{expert}.w2.weight", 2);
            }
        });
    }

    [TestCaseSource(nameof(Mutations))]
    public void Mutations_MoveTheLogitsFarBeyondTheBound(SyntheticArchitecture architecture, string name, Action<string, ModelDimensions> mutate)
    {
        var mutated = _checkpoints.Copy(architecture, name.Replace(' ', '-').Replace('/', '-'));
        mutate(mutated, SmallModels.Dimensions(architecture));

        var expected = NaiveDecoder.Load(_checkpoints.For(architecture)).Run(Prompt).Logits[^1];
        var changed = NaiveDecoder.Load(mutated).Run(Prompt).Logits[^1];

        var error = LogitComparison.RelativeError(changed, expected);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: max |Δlogit| / max |logit| = {error:E2}"));
        Assert.That(error, Is.GreaterThan(50 * LogitComparison.ReferenceBound));
    }

    private static void EditConfig(string directory, Action<JsonObject> edit)
    {
        var path = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    /// <summary>Within each head of width d, new row 2i = old row i and new row 2i + 1 = old row i + d/2.</summary>
    private static void Interleave(string directory, string name, ModelDimensions dims)
    {
        var d = dims.HeadDim;
        var width = dims.HiddenSize;
        var original = ReadAll(directory, name);
        CheckpointEdits.Rewrite(directory, name, (index, _) =>
        {
            var (row, column) = Math.DivRem(index, width);
            var (head, within) = Math.DivRem(row, d);
            var source = within % 2 == 0 ? within / 2 : (within / 2) + (d / 2);
            return original[((head * d) + source) * width + column];
        });
    }

    /// <summary>Exchanges the rows of key/value head 0 and head 1.</summary>
    private static void SwapHeads(string directory, string name, ModelDimensions dims)
    {
        var block = dims.HeadDim * dims.HiddenSize;
        var original = ReadAll(directory, name);
        CheckpointEdits.Rewrite(directory, name, (index, _) => index < block ? original[index + block] : index < 2 * block ? original[index - block] : original[index]);
    }

    private static float[] ReadAll(string directory, string name)
    {
        var values = new List<float>();
        CheckpointEdits.Rewrite(directory, name, (_, value) =>
        {
            values.Add(value);
            return value;
        });
        return [.. values];
    }
}
