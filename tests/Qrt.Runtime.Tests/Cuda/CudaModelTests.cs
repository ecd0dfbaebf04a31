using System.Globalization;
using System.Text.Json;
using Qrt.Runtime.Models;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Tests.Goldens;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// Whole models on the CUDA backend (BF16 activations, FP32 accumulation) against the same checkpoints on the CPU
/// backend (FP32 throughout): every golden checkpoint, teacher-forced through the golden's prompt and greedy
/// continuation, so that both backends see the same tokens and every row of logits is compared — the prompt's last
/// row through prefill, the others through decode steps over the paged cache.
/// </summary>
[TestFixture]
internal sealed class CudaModelTests
{
    private static IEnumerable<TestCaseData> Goldens() =>
        ModelGolden.Names().Select(name => new TestCaseData(name).SetArgDisplayNames(name));

    /// <summary>Context of the CUDA models: room for every golden's prompt and continuation, and a small KV cache.</summary>
    private const int ContextLength = 512;

    /// <summary>
    /// A small share of the device (the emulated one fills what it allocates), and steps of 16 tokens, so that every
    /// golden prompt is prefilled in several chunks and chunked prefill is checked against the CPU's single step.
    /// </summary>
    private static readonly DeviceMemoryOptions Memory = new(GpuMemoryUtilization: 0.02, MaxStepTokens: 16);

    [OneTimeSetUp]
    public void RequireDevice() => CudaStreamFixture.RequireCudaDevice();

    [TestCaseSource(nameof(Goldens))]
    public void TeacherForcedLogits_AreTheCpusWithinTheBf16Bound_AndGreedyTokensAgreeWhereTheMarginAllows(string name)
    {
        var golden = ModelGolden.Load(name);
        var directory = GoldenCheckpoints.For(golden);
        using var cpu = TextModelLoader.Load(directory, Device.Cpu, null, null, CancellationToken.None);
        using var gpu = TextModelLoader.Load(directory, Device.Cuda(0), ContextLength, Memory, null, KernelLinearFactory.Instance, CancellationToken.None);
        var bound = Bf16LogitBound.For(cpu.Config, golden, directory);
        using var cpuSequence = cpu.Model.StartSequence();
        using var gpuSequence = gpu.Model.StartSequence();
        var expected = cpuSequence.Append(Prompt(cpu, golden));
        var actual = gpuSequence.Append(Prompt(gpu, golden));
        var routingSensitive = IsRoutingSensitive(cpu.Config, golden);
        var worst = 0.0;
        var checkedSteps = 0;
        for (var step = 0; ; step++)
        {
            var what = $"{name} {(step == 0 ? "prefill" : $"decode step {step}")}";
            if (routingSensitive)
            {
                worst = Math.Max(worst, RelativeDifference(expected, actual));
                Assert.That(TopTokens(expected, RoutingFlipTopTokens), Does.Contain(ArgMax(actual)),
                    $"{what}: the CUDA greedy token is not among the CPU's {RoutingFlipTopTokens} most likely");
            }
            else
            {
                worst = Math.Max(worst, CheckRow(expected, actual, bound, what));
                if (IsDecisive(expected, bound))
                {
                    checkedSteps++;
                    Assert.That(ArgMax(actual), Is.EqualTo(ArgMax(expected)),
                        $"{what}: the CPU's top-two margin exceeds 2·bound, so the greedy tokens must agree");
                }
            }

            if (step == golden.GreedyTokens.Length)
            {
                break;
            }

            expected = cpuSequence.Append([golden.GreedyTokens[step]]);
            actual = gpuSequence.Append([golden.GreedyTokens[step]]);
        }

        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: worst max|Δ|/max|logit| {worst:E2} (bound {bound:E2}); {(routingSensitive ? "routing may differ: greedy tokens among the CPU's top " + RoutingFlipTopTokens : $"greedy identity checked at {checkedSteps} of {golden.GreedyTokens.Length + 1} rows")}"));
    }

    /// <summary>The golden's prompt for <paramref name="loaded"/>: its ids, or for a vision-language golden its images encoded on the model's device.</summary>
    private static DecoderInput Prompt(LoadedTextModel loaded, ModelGolden golden)
    {
        if (golden.Vision is null)
        {
            return new DecoderInput(golden.PromptIds);
        }

        var ids = Tokenizer.Load(loaded.Directory).Encode(golden.Manifest.GetProperty("prompt_text").GetString()!, addSpecialTokens: false);
        var images = VisionGolden.Load(golden.Vision).DecodedImages();
        return loaded.Images!.Prepare(ids, images).Encode(CancellationToken.None);
    }

    /// <summary>
    /// Whether the checkpoint is a mixture of experts with quantized activations. There BF16 rounding moves quantizer
    /// inputs across code boundaries, which moves the router's inputs by far more than rounding, and where two experts'
    /// probabilities are that close (the tiny checkpoints' four experts often are within 10⁻³) the two backends pick
    /// different experts, a discrete change of a whole expert's contribution that no rounding bound covers (measured:
    /// the CUDA run of mixtral-w8a8-int8 routes one token to experts 0 and 1 where the CPU picks 1 and 3, with
    /// probabilities 0.2659 against 0.2657). Such rows are held to what vLLM's own tests ask of two correct runs: each
    /// greedy token among the other's most likely few; the logits' difference is reported.
    /// </summary>
    private static bool IsRoutingSensitive(TextModelConfig config, ModelGolden golden) =>
        config.Experts is not null
        && golden.Manifest.GetProperty("quantization").GetProperty("activation_quantization").ValueKind != JsonValueKind.Null;

    /// <summary>How many of the CPU's most likely tokens the CUDA greedy token must be among, where routing may differ.</summary>
    private const int RoutingFlipTopTokens = 5;

    /// <summary>The ids of the <paramref name="count"/> largest logits.</summary>
    private static int[] TopTokens(float[] logits, int count) =>
        [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(count)];

    /// <summary>max |Δ| / max |expected logit| of one row.</summary>
    private static double RelativeDifference(float[] expected, float[] actual)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        var scale = expected.Max(v => Math.Abs((double)v));
        return expected.Zip(actual, (e, a) => Math.Abs(a - (double)e)).Max() / scale;
    }

    /// <summary>Asserts max |Δ| / max |logit| of one row is within the bound; returns it.</summary>
    private static double CheckRow(float[] expected, float[] actual, double bound, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        var scale = expected.Max(v => Math.Abs((double)v));
        var worst = 0.0;
        var at = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var difference = Math.Abs(actual[i] - (double)expected[i]);
            if (!(difference <= worst))
            {
                worst = difference;
                at = i;
            }
        }

        Assert.That(worst / scale, Is.LessThanOrEqualTo(bound), string.Create(CultureInfo.InvariantCulture,
            $"{what}: logit {at} is {actual[at]:G7} on CUDA, {expected[at]:G7} on the CPU (max |logit| {scale:G4})"));
        return worst / scale;
    }

    /// <summary>
    /// Whether the CPU's best logit leads the runner-up by more than 2·bound·max|logit|: then no pair of errors within
    /// the bound can swap them, and the CUDA greedy token must be the CPU's.
    /// </summary>
    private static bool IsDecisive(float[] logits, double bound)
    {
        var scale = logits.Max(v => Math.Abs((double)v));
        var best = ArgMax(logits);
        var runnerUp = logits.Where((_, i) => i != best).Max();
        return logits[best] - (double)runnerUp > 2 * bound * scale;
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
