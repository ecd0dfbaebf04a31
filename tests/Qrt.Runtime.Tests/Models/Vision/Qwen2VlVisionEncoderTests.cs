using System.Globalization;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>
/// The Qwen2-VL vision tower and PatchMerger on the CPU ops against <see cref="Qwen2VlNaive"/>, a double-precision
/// recomputation from transformers' formulas, on a tiny random tower with two images of different grids
/// (4 × 4 and 2 × 6 patches) in one sequence.
/// </summary>
[TestFixture]
internal sealed class Qwen2VlVisionEncoderTests
{
    /// <summary>
    /// Bound on max |Δ| / max |expected| between the FP32 runtime and the double reference. Weights and patch rows
    /// are FP32 values in both, so every difference is FP32 rounding of activations (u = 2⁻²⁴ ≈ 6·10⁻⁸ per operation)
    /// and of the rotary angles (fp32 frequencies and products, positions ≤ 5: a few u of an angle below 6).
    /// A dot product of length K accumulated in FP32 has random-signed roundings of about u·√(K/3) of its size:
    /// ≈ 3.9·10⁻⁷ at K = 128, the widest here (the merger's mlp.0 and mlp.2 read 4 · 32 values). One pass has the
    /// patch GEMM, then per block about 13 rounding stages (norm1, qkv, rotary, q·k over 16 dims, softmax, the
    /// weighted sum over ≤ 16 patches, proj, add, norm2, fc1, QuickGELU, fc2, add), then 4 in the merger (ln_q,
    /// mlp.0, GELU, mlp.2): about 31 stages adding in quadrature to √31 · 3.9·10⁻⁷ ≈ 2.2·10⁻⁶. LayerNorm, softmax
    /// over scores of order one and the activations amplify relative errors by at most ~3: ≈ 7·10⁻⁶. The bound
    /// 2·10⁻⁵ leaves a further factor of 3 for the tail over 7 × 24 outputs, and is far below what swapped rotary
    /// axes do (the mutation test requires 100 times the bound).
    /// </summary>
    private const double Bound = 2e-5;

    private static readonly Qwen2VlGrid[] Grids = [new(1, 4, 4), new(1, 2, 6)];

    [Test]
    public void Encoder_MatchesNaiveReference_ForTwoImagesInOneSequence()
    {
        var tiny = new Qwen2VlTiny(seed: 31);
        var patches = Patches(secondSeed: 202);

        var actual = Encode(tiny, patches, Grids);

        Assert.That(actual, Has.Length.EqualTo((16 + 12) / 4));
        AssertClose(actual, tiny.Naive().Encode(patches, Tuples(Grids)), "merged tokens");
    }

    [Test]
    public void Encoder_MatchesNaiveReference_ForTwoFramesAttendingEachWithinItself()
    {
        var tiny = new Qwen2VlTiny(seed: 32);
        Qwen2VlGrid[] grids = [new(2, 2, 4), new(1, 2, 2)];
        var patches = Qwen2VlTiny.Patches(301, grids.Sum(grid => grid.PatchCount));

        var actual = Encode(tiny, patches, grids);

        AssertClose(actual, tiny.Naive().Encode(patches, Tuples(grids)), "two-frame grid");
        // Frames attend only within themselves (one cu_seqlens segment each), so the first frame alone gives its tokens.
        var firstFrame = Encode(tiny, [.. patches.Take(8)], [new Qwen2VlGrid(1, 2, 4)]);
        Assert.That(Flatten(actual[..2]), Is.EqualTo(Flatten(firstFrame)), "frame 1 must not see frame 2");
    }

    [Test]
    public void ChangingTheSecondImage_LeavesTheFirstImagesOutputsBitIdentical()
    {
        var tiny = new Qwen2VlTiny(seed: 33);
        var first = Encode(tiny, Patches(secondSeed: 203), Grids);
        var second = Encode(tiny, Patches(secondSeed: 204), Grids);

        var firstImageTokens = Grids[0].PatchCount / 4;
        Assert.Multiple(() =>
        {
            Assert.That(Flatten(second[..firstImageTokens]), Is.EqualTo(Flatten(first[..firstImageTokens])), "image 1 must not see image 2");
            Assert.That(
                LogitComparison.RelativeError(Flatten(second[firstImageTokens..]), Flatten(first[firstImageTokens..])),
                Is.GreaterThan(1e-2),
                "image 2's own outputs must change with its patches");
        });
    }

    [Test]
    public void SwappedRotaryAxes_MoveTheOutputFarBeyondTheBound()
    {
        var tiny = new Qwen2VlTiny(seed: 34);
        var patches = Patches(secondSeed: 205);
        var actual = Flatten(Encode(tiny, patches, Grids));
        var right = Flatten(tiny.Naive().Encode(patches, Tuples(Grids)));

        var wrong = Flatten(tiny.Naive(swapAxes: true).Encode(patches, Tuples(Grids)));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"swapped axes move the output by {LogitComparison.RelativeError(wrong, right):E2}"));

        Assert.Multiple(() =>
        {
            Assert.That(LogitComparison.RelativeError(actual, right), Is.LessThanOrEqualTo(Bound));
            Assert.That(LogitComparison.RelativeError(wrong, right), Is.GreaterThan(100 * Bound), "the mutation must be visible");
            Assert.That(LogitComparison.RelativeError(actual, wrong), Is.GreaterThan(100 * Bound), "the encoder must not match the mutation");
        });
    }

    [Test]
    public void Forward_RefusesPatchRowsThatDoNotMatchTheGrids()
    {
        using var encoder = new Qwen2VlTiny(seed: 35).Encoder();
        using var stream = new QrtStream(Device.Cpu);
        using var patches = QrtTensor.Zeros(DType.F32, [27, Qwen2VlTiny.PatchFeatures]);

        var error = Assert.Throws<ArgumentException>(() => encoder.Forward(stream, patches, Grids).Dispose());

        Assert.That(error!.Message, Does.Contain("[28, 24]"));
    }

    [Test]
    public void Forward_RefusesAGridThatDoesNotSplitIntoMergeWindows()
    {
        using var encoder = new Qwen2VlTiny(seed: 36).Encoder();
        using var stream = new QrtStream(Device.Cpu);
        using var patches = QrtTensor.Zeros(DType.F32, [6, Qwen2VlTiny.PatchFeatures]);

        var error = Assert.Throws<ArgumentException>(() => encoder.Forward(stream, patches, [new Qwen2VlGrid(1, 3, 2)]).Dispose());

        Assert.That(error!.Message, Does.Contain("1x3x2").And.Contain("spatial_merge_size 2"));
    }

    private static double[][] Patches(int secondSeed) =>
        [.. Qwen2VlTiny.Patches(201, Grids[0].PatchCount), .. Qwen2VlTiny.Patches(secondSeed, Grids[1].PatchCount)];

    private static (int T, int H, int W)[] Tuples(IEnumerable<Qwen2VlGrid> grids) => [.. grids.Select(grid => (grid.Temporal, grid.Height, grid.Width))];

    private static double[][] Encode(Qwen2VlTiny tiny, double[][] patches, IReadOnlyList<Qwen2VlGrid> grids)
    {
        using var encoder = tiny.Encoder();
        using var stream = new QrtStream(Device.Cpu);
        using var input = QrtTensor.FromData<float>([.. patches.SelectMany(row => row).Select(value => (float)value)], DType.F32, [patches.Length, Qwen2VlTiny.PatchFeatures]);
        using var output = encoder.Forward(stream, input, grids);
        Assert.That(output.Shape.ToArray(), Is.EqualTo(new long[] { patches.Length / 4, Qwen2VlTiny.Hidden }));
        return [.. output.ToArray<float>().Chunk(Qwen2VlTiny.Hidden).Select(row => row.Select(value => (double)value).ToArray())];
    }

    private static double[] Flatten(IEnumerable<double[]> rows) => [.. rows.SelectMany(row => row)];

    private static void AssertClose(double[][] actual, double[][] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var error = LogitComparison.RelativeError(Flatten(actual), Flatten(expected));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |Δ| / max |expected| = {error:E2}"));
        Assert.That(error, Is.LessThanOrEqualTo(Bound), string.Create(CultureInfo.InvariantCulture, $"{what}: {error:E2} > {Bound:E1}"));
    }
}
