using System.Globalization;
using NUnit.Framework;
using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Tests.Models.Reference;

namespace Qrt.Runtime.Tests.Models;

/// <summary>
/// Every architecture in every scheme: the model on its quantized kernels against the same checkpoint run on its
/// dequantized weights in double precision with the scheme's activation quantization emulated (the semantics of
/// vLLM and llm-compressor). Both runs share everything but the linear layers, so any difference comes from how
/// the kernels unpack, scale and accumulate.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
internal sealed class QuantizedModelTests
{
    private static readonly int[] Prompt = [5, 77, 301, 12, 260, 9, 144, 88, 31, 200, 17, 64];
    private const int DecodeSteps = 5;

    [TestCaseSource(typeof(Synthesis.SyntheticFixtures), nameof(Synthesis.SyntheticFixtures.AllCombinations))]
    public void Logits_MatchTheDequantizedReference(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        using var directory = new TemporaryDirectory();
        SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = scheme,
            OutputDirectory = directory.Path,
            Seed = 11,
            Overwrite = true,
            Dimensions = SmallModels.Dimensions(architecture),
        });
        using var kernels = TextModelLoader.Load(directory.Path, Device.Cpu, null, null, CancellationToken.None);
        using var reference = TextModelLoader.Load(directory.Path, Device.Cpu, null, null, new ReferenceLinearFactory(), CancellationToken.None);
        using var actual = kernels.Model.StartSequence();
        using var expected = reference.Model.StartSequence();

        var step = "prefill";
        var actualLogits = actual.Append(Prompt);
        var expectedLogits = expected.Append(Prompt);
        for (var i = 0; ; i++)
        {
            AssertClose(actualLogits, expectedLogits, RelativeTolerance, $"{architecture} {scheme} {step}");
            var next = ArgMax(expectedLogits);
            Assert.That(ArgMax(actualLogits), Is.EqualTo(next), $"{architecture} {scheme} {step}: greedy token");
            if (i == DecodeSteps)
            {
                break;
            }

            step = $"decode step {i + 1}";
            actualLogits = actual.Append([next]);
            expectedLogits = expected.Append([next]);
        }
    }

    /// <summary>
    /// The bound on max |Δlogit| relative to max |logit|, the same for every scheme. The kernels dequantize
    /// exactly (a small integer times a BF16 scale, or an FP8 value times its scale, fits FP32's 24-bit mantissa)
    /// and differ from the double reference only by FP32 rounding: a dot product of length K ≤ 128 is off by
    /// about 2⁻²⁴·√(K/3) ≈ 4·10⁻⁷ of its size for roundings of random sign; the deepest path has about 30 such
    /// stages (projections, attention, MLP, norms, head), which in quadrature give ~2·10⁻⁶, and ×3 for the
    /// softmax and SiLU gains gives ~6·10⁻⁶; the bound leaves another factor of 3. Activation quantization adds
    /// nothing when both sides see the same activations, since both compute the scale, the quotient and its
    /// rounding with the same FP32 operations; a value within ~10⁻⁶ of a rounding boundary could flip one code
    /// (moving a GEMM output by s_a·|w|, far beyond the bound), but these fixtures are seeded and none does:
    /// the measured worst case is below 10⁻⁷ for every scheme. A kernel that unpacks, scales or rounds
    /// differently from the scheme's definition moves the logits by far more than the bound.
    /// </summary>
    private const double RelativeTolerance = 2e-5;

    private static void AssertClose(float[] actual, float[] expected, double relative, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var scale = expected.Max(Math.Abs);
        var worst = 0.0;
        var at = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var difference = Math.Abs(actual[i] - expected[i]);
            if (difference > worst)
            {
                worst = difference;
                at = i;
            }
        }

        Assert.That(
            worst,
            Is.LessThanOrEqualTo(relative * scale),
            string.Create(CultureInfo.InvariantCulture, $"{what}: logit {at} is {actual[at]:G7}, reference {expected[at]:G7} (max |logit| {scale:G4}, bound {relative:G2} of it)"));
    }

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
