using System.Globalization;
using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Text.Templates;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// Qrt on the CPU against the reference implementation (transformers with compressed-tensors, the Rust tokenizers
/// and jinja2), through the committed goldens: the same checkpoint, the same prompt ids, the same logits within a
/// stated bound, the same greedy tokens.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
internal sealed class ModelGoldenTests
{
    private static IEnumerable<TestCaseData> Goldens() =>
        ModelGolden.Names().Select(name => new TestCaseData(name).SetArgDisplayNames(name));

    /// <summary>The schemes the vision-language goldens cover (every scheme of the text architectures is covered).</summary>
    private static readonly SyntheticScheme[] VisionLanguageSchemes =
        [SyntheticScheme.Bf16, SyntheticScheme.W8A8Int8, SyntheticScheme.W4A16ActOrder, SyntheticScheme.Fp8];

    [Test]
    public void Goldens_CoverEveryTextArchitectureAndScheme_AndTheVisionLanguageModels()
    {
        var expected =
            from architecture in Enum.GetValues<SyntheticArchitecture>()
            from scheme in architecture.IsVisionLanguage() ? VisionLanguageSchemes : Enum.GetValues<SyntheticScheme>()
            select $"{architecture.Name()}-{scheme.Name()}";
        Assert.That(ModelGolden.Names(), Is.EquivalentTo(expected));
    }

    [TestCaseSource(nameof(Goldens))]
    public void Checkpoint_IsTheOneTheGoldenWasMadeFrom(string name)
    {
        var golden = ModelGolden.Load(name);
        Assert.That(GoldenCheckpoints.Mismatches(golden), Is.Empty,
            $"files of `{golden.Manifest.GetProperty("synth_command").GetString()}` that differ from the golden's: if qrt synth changed on purpose, regenerate the goldens (./build.sh goldens)");
    }

    [TestCaseSource(nameof(Goldens))]
    public void PromptIds_AreTheReferenceTokenizersThroughItsChatTemplate(string name)
    {
        var golden = ModelGolden.Load(name);
        var directory = GoldenCheckpoints.For(golden);
        var messages = ConversationJson.ToMessages(golden.Manifest.GetProperty("messages").GetRawText());
        var prompt = ChatTemplate.Load(directory).Render(messages, addGenerationPrompt: true);
        Assert.That(prompt, Is.EqualTo(golden.Manifest.GetProperty("prompt_text").GetString()));
        var ids = Tokenizer.Load(directory).Encode(prompt, addSpecialTokens: false);
        if (golden.Vision is null)
        {
            Assert.That(ids, Is.EqualTo(golden.PromptIds));
            return;
        }

        // A vision-language prompt is tokenized with one placeholder per image, then each placeholder is expanded.
        Assert.That(ids, Is.EqualTo(Ints(golden.Manifest.GetProperty("prompt_ids_before_expansion"))));
        using var loaded = TextModelLoader.Load(directory, Device.Cpu, null, null, CancellationToken.None);
        var images = VisionGolden.Load(golden.Vision).DecodedImages();
        Assert.That(loaded.Images!.Prepare(ids, images).Tokens, Is.EqualTo(golden.PromptIds));
    }

    [TestCaseSource(nameof(Goldens))]
    public void Logits_AndGreedyTokens_MatchTheReference(string name)
    {
        var golden = ModelGolden.Load(name);
        var bound = LogitBound.For(golden);
        using var loaded = TextModelLoader.Load(GoldenCheckpoints.For(golden), Device.Cpu, null, null, CancellationToken.None);
        var worst = 0.0;
        var prompt = golden.PromptIds;
        using var sequence = loaded.Model.StartSequence();
        float[] logits;
        if (golden.Vision is null)
        {
            // Each earlier prompt position's logits come from a prefill of the prompt up to it (a causal model's
            // logits there do not depend on what follows), so every kept prompt row is checked through the prefill path.
            for (var row = 0; row < golden.FirstContinuationRow; row++)
            {
                using var prefix = loaded.Model.StartSequence();
                worst = Math.Max(worst, CheckRow(prefix.Append(prompt.AsSpan(0, golden.LogitPositions[row] + 1)), golden, row, bound, "prefill"));
            }

            logits = sequence.Append(prompt);
        }
        else
        {
            var ids = Tokenizer.Load(loaded.Directory).Encode(golden.Manifest.GetProperty("prompt_text").GetString()!, addSpecialTokens: false);
            var images = VisionGolden.Load(golden.Vision).DecodedImages();
            logits = sequence.Append(loaded.Images!.Prepare(ids, images).Encode(CancellationToken.None));
        }

        var identical = 0;
        for (var step = 0; ; step++)
        {
            var row = golden.FirstContinuationRow + step;
            worst = Math.Max(worst, CheckRow(logits, golden, row, bound, step == 0 ? "prefill" : $"decode step {step}"));
            if (step == golden.GreedyTokens.Length)
            {
                break;
            }

            // Qrt's greedy token must be one the reference could pick if its logits moved within the bound: for the
            // goldens without activation quantization every top-two margin is far above 2·bound, so it is the same token.
            var expected = golden.Logits[row];
            var scale = expected.Max(v => Math.Abs((double)v));
            var chosen = ArgMax(logits);
            Assert.That(expected[chosen], Is.GreaterThanOrEqualTo(expected.Max() - (2 * bound * scale)),
                $"{name}: greedy token {step} is {chosen}, the reference's is {golden.GreedyTokens[step]}, beyond what the bound allows");
            identical += chosen == golden.GreedyTokens[step] ? 1 : 0;
            logits = sequence.Append([golden.GreedyTokens[step]]);
        }

        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: worst max|Δ|/max|logit| {worst:E2} (bound {bound:E2}); greedy tokens identical at {identical} of {golden.GreedyTokens.Length} steps"));
    }

    /// <summary>
    /// Each probed layer (the first layer's query projection, the last layer's down projection) of the runtime's own
    /// kernels, run alone on the very FP32 rows the reference fed it, against the reference's output. Given the same
    /// input, the quantization codes must be the same (the scale, the quotient and its rounding are each one
    /// correctly rounded FP32 operation on both sides), so the outputs differ only by how the K products are summed:
    /// each side's sum of K terms is within (K + 2)·u·Σ|x̂ᵢwᵢ| of the exact one (products, K − 1 additions, the bias,
    /// and the reference's rounding of x̂ = q·s), u = 2⁻²⁴, so the two are within (2K + 8)·u·Σ|x̂ᵢwᵢ| of each other
    /// for every output. One code that differs (another scale, rounding or saturation rule) moves an output by
    /// s·|w|, about Σ|x̂w| / (K·|q|), an order of magnitude above the bound.
    /// </summary>
    [TestCaseSource(nameof(Goldens))]
    public void ProbedLayers_GiveTheReferenceOutput_OnTheReferenceInputs(string name)
    {
        var golden = ModelGolden.Load(name);
        var probes = golden.Manifest.GetProperty("probes").EnumerateArray().Select(p => p.GetProperty("layer").GetString()!).ToList();
        if (probes.Count == 0)
        {
            Assert.That(golden.Manifest.GetProperty("quantization").GetProperty("quantized_layers").GetInt32(), Is.Zero, "only an unquantized checkpoint has no probes");
            return;
        }

        var factory = new RecordingLinearFactory(probes.ToHashSet(StringComparer.Ordinal));
        using var loaded = TextModelLoader.Load(GoldenCheckpoints.For(golden), Device.Cpu, null, null, factory, CancellationToken.None);
        using var stream = new QrtStream(Device.Cpu);
        foreach (var layer in probes)
        {
            Assert.That(factory.Recorded, Does.ContainKey(layer), "the runtime builds the probed layer");
            var inputShape = golden.Tensors.Shape($"probe.{layer}.input");
            var outputShape = golden.Tensors.Shape($"probe.{layer}.output");
            var input = golden.Tensors.Floats($"probe.{layer}.input");
            var expected = golden.Tensors.Floats($"probe.{layer}.output");
            var magnitudes = golden.Tensors.Floats($"probe.{layer}.abs_products");
            using var x = QrtTensor.FromFloats(input, DType.F32, [inputShape[0], inputShape[1]]);
            using var y = QrtTensor.Empty(DType.F32, [outputShape[0], outputShape[1]]);
            factory.Recorded[layer].Forward(stream, x, y);
            var actual = y.ToFloats();
            var factor = ((2.0 * inputShape[1]) + 8) * Math.Pow(2, -24);
            var bad = Enumerable.Range(0, actual.Length).Where(i => Math.Abs(actual[i] - (double)expected[i]) > factor * magnitudes[i]).ToList();
            Assert.That(bad, Is.Empty, () =>
            {
                var i = bad[0];
                return string.Create(CultureInfo.InvariantCulture,
                    $"{layer} ({factory.Recorded[layer].Scheme}): {bad.Count} of {actual.Length} outputs beyond (2K+8)·u·Σ|x̂w|; row {i / outputShape[1]}, column {i % outputShape[1]}: {actual[i]:G9} vs {expected[i]:G9}, bound {factor * magnitudes[i]:G3}");
            });
        }
    }

    /// <summary>Asserts max |Δ| / max |logit| of one row is within <paramref name="bound" />; returns it.</summary>
    private static double CheckRow(float[] actual, ModelGolden golden, int row, double bound, string what)
    {
        var expected = golden.Logits[row];
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        var scale = expected.Max(v => Math.Abs((double)v));
        var worst = 0.0;
        var at = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var difference = Math.Abs(actual[i] - (double)expected[i]);
            if (difference > worst)
            {
                worst = difference;
                at = i;
            }
        }

        Assert.That(worst / scale, Is.LessThanOrEqualTo(bound), string.Create(CultureInfo.InvariantCulture,
            $"{golden.Name} {what} (position {golden.LogitPositions[row]}): logit {at} is {actual[at]:G7}, reference {expected[at]:G7} (max |logit| {scale:G4})"));
        return worst / scale;
    }

    private static int[] Ints(System.Text.Json.JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
