using System.Globalization;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Tests.Models.Forward;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>
/// The Pixtral encoder and Llava projector on the CPU ops against <see cref="NaivePixtral"/>, a double-precision
/// recomputation from transformers' formulas, on a tiny random tower with two images of different grids
/// (3 × 2 and 2 × 4 patches) in one sequence.
/// </summary>
[TestFixture]
internal sealed class PixtralVisionEncoderTests
{
    /// <summary>
    /// Bound on max |Δ| / max |expected| between the FP32 runtime and the double reference. Weights and pixels are
    /// FP32 values in both, so every difference is FP32 rounding of activations, u = 2⁻²⁴ ≈ 6·10⁻⁸ per operation.
    /// A dot product of length K accumulated in FP32 has random-signed roundings of about u·√(K/3) of its size:
    /// ≈ 2.8·10⁻⁷ at K = 64, the widest here (down_proj; the patch convolution has K = 48). One pass has the patch
    /// GEMM and ln_pre, then per block about 14 rounding stages (norm, q/k/v, rotary, q·k over 16 dims, softmax,
    /// the weighted sum over ≤ 8 patches, o_proj, residual add, norm, gate/up, SiLU·up, down, add): about 30
    /// stages in two blocks, adding in quadrature to √30 · 2.8·10⁻⁷ ≈ 1.5·10⁻⁶. Softmax over scores of order one and
    /// the SiLU gates amplify relative errors by at most ~3: ≈ 5·10⁻⁶. The projector adds three stages (linear_1,
    /// GELU, linear_2, K ≤ 40), well inside the same budget. The bound 2·10⁻⁵ leaves a further factor of 4 for the
    /// tail over 14 × 32 outputs, and is 100 times below what a wrong position grid does (the mutation test).
    /// </summary>
    private const double Bound = 2e-5;

    private static readonly PatchGrid[] Grids = [new(3, 2), new(2, 4)];

    [Test]
    public void Encoder_MatchesNaiveReference_ForTwoImagesInOneSequence()
    {
        var tiny = new TinyPixtral(seed: 11);
        var images = Images(secondSeed: 102);

        var actual = Encode(tiny, images);

        var expected = tiny.Naive().Encode(images, TinyPixtral.Layers);
        AssertClose(actual, expected, "encoder output");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-2)]
    public void Encoder_StopsAtTheFeatureLayer(int featureLayer)
    {
        var tiny = new TinyPixtral(seed: 12);
        var images = Images(secondSeed: 103);
        // Hidden states are [after ln_pre, after block 1, after block 2]; −2 is the one after block 1.
        var blocks = featureLayer >= 0 ? featureLayer : TinyPixtral.Layers + 1 + featureLayer;

        var actual = Encode(tiny, images, featureLayer);

        AssertClose(actual, tiny.Naive().Encode(images, blocks), $"hidden state {featureLayer}");
        Assert.That(
            LogitComparison.RelativeError(Flatten(actual), Flatten(tiny.Naive().Encode(images, TinyPixtral.Layers))),
            Is.GreaterThan(100 * Bound),
            "a stopped pass must differ from the full one");
    }

    [Test]
    public void Projector_MatchesNaiveReference_OnTheEncoderOutput()
    {
        var tiny = new TinyPixtral(seed: 13);
        var images = Images(secondSeed: 104);
        var naive = tiny.Naive();
        var features = Encode(tiny, images);
        using var projector = tiny.Projector();
        using var stream = new QrtStream(Device.Cpu);
        using var input = QrtTensor.FromData<float>(Singles(features), DType.F32, [features.Length, TinyPixtral.Hidden]);

        using var projected = projector.Forward(stream, input);

        Assert.That(projected.Shape.ToArray(), Is.EqualTo(new long[] { 14, TinyPixtral.TextHidden }));
        var expected = naive.Encode(images, TinyPixtral.Layers).Select(naive.Project).ToArray();
        AssertClose(Rows(projected.ToArray<float>(), TinyPixtral.TextHidden), expected, "projector output");
    }

    [Test]
    public void Projector_WithoutBias_MatchesNaiveReference()
    {
        var tiny = new TinyPixtral(seed: 14, projectorBias: false);
        var random = new Random(5);
        var features = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, TinyPixtral.Hidden).Select(_ => (double)(float)((random.NextDouble() * 6) - 3)).ToArray()).ToArray();
        using var projector = tiny.Projector();
        using var stream = new QrtStream(Device.Cpu);
        using var input = QrtTensor.FromData<float>(Singles(features), DType.F32, [6, TinyPixtral.Hidden]);

        using var projected = projector.Forward(stream, input);

        AssertClose(Rows(projected.ToArray<float>(), TinyPixtral.TextHidden), [.. features.Select(tiny.Naive().Project)], "projector without bias");
    }

    [Test]
    public void ChangingTheSecondImage_LeavesTheFirstImagesOutputsBitIdentical()
    {
        var tiny = new TinyPixtral(seed: 15);
        var first = Encode(tiny, Images(secondSeed: 105));
        var second = Encode(tiny, Images(secondSeed: 106));

        var firstImagePatches = Grids[0].Count;
        Assert.Multiple(() =>
        {
            Assert.That(Flatten(second[..firstImagePatches]), Is.EqualTo(Flatten(first[..firstImagePatches])), "image 1 must not see image 2");
            Assert.That(
                LogitComparison.RelativeError(Flatten(second[firstImagePatches..]), Flatten(first[firstImagePatches..])),
                Is.GreaterThan(1e-2),
                "image 2's own outputs must change with its pixels");
        });
    }

    [Test]
    public void RotaryPositions_UseTheMaximumGridWidth_NotTheImagesOwn()
    {
        var tiny = new TinyPixtral(seed: 16);
        var images = Images(secondSeed: 107);
        var naive = tiny.Naive();
        var actual = Flatten(Encode(tiny, images));
        var right = Flatten(naive.Encode(images, TinyPixtral.Layers));

        // The mutation: position h · (the image's own width) + w, which lands on other rows of the 8 × 8 table.
        var ownWidths = images.Select(image => naive.Encode([image], TinyPixtral.Layers, maxWidth: image.Columns)).SelectMany(rows => rows).ToArray();
        var wrong = Flatten(ownWidths);

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
        var tiny = new TinyPixtral(seed: 17);
        using var encoder = tiny.Encoder();
        using var stream = new QrtStream(Device.Cpu);
        using var patches = QrtTensor.Zeros(DType.F32, [13, 48]);

        var error = Assert.Throws<ArgumentException>(() => encoder.Forward(stream, patches, Grids).Dispose());

        Assert.That(error!.Message, Does.Contain("[14, 48]"));
    }

    [Test]
    public void Forward_RefusesAGridWiderThanThePositionTable()
    {
        var tiny = new TinyPixtral(seed: 18);
        using var encoder = tiny.Encoder();
        using var stream = new QrtStream(Device.Cpu);
        using var patches = QrtTensor.Zeros(DType.F32, [9, 48]);

        var error = Assert.Throws<ArgumentException>(() => encoder.Forward(stream, patches, [new PatchGrid(1, 9)]).Dispose());

        Assert.That(error!.Message, Does.Contain("1x9 patches").And.Contain("1..8"));
    }

    private static (double[] Pixels, int Rows, int Columns)[] Images(int secondSeed) =>
    [
        (TinyPixtral.Pixels(101, Grids[0].Rows, Grids[0].Columns), Grids[0].Rows, Grids[0].Columns),
        (TinyPixtral.Pixels(secondSeed, Grids[1].Rows, Grids[1].Columns), Grids[1].Rows, Grids[1].Columns),
    ];

    private static double[][] Encode(TinyPixtral tiny, IReadOnlyList<(double[] Pixels, int Rows, int Columns)> images, int featureLayer = -1)
    {
        using var encoder = tiny.Encoder();
        using var stream = new QrtStream(Device.Cpu);
        var rows = TinyPixtral.PatchRows(images);
        using var patches = QrtTensor.FromData<float>(rows, DType.F32, [rows.Length / 48, 48]);
        var grids = images.Select(image => new PatchGrid(image.Rows, image.Columns)).ToArray();
        using var output = encoder.Forward(stream, patches, grids, featureLayer);
        Assert.That(output.Shape.ToArray(), Is.EqualTo(new long[] { rows.Length / 48, TinyPixtral.Hidden }));
        return Rows(output.ToArray<float>(), TinyPixtral.Hidden);
    }

    private static double[][] Rows(float[] values, int width) =>
        [.. values.Chunk(width).Select(row => row.Select(value => (double)value).ToArray())];

    private static double[] Flatten(IEnumerable<double[]> rows) => [.. rows.SelectMany(row => row)];

    private static float[] Singles(IEnumerable<double[]> rows) => [.. rows.SelectMany(row => row).Select(value => (float)value)];

    private static void AssertClose(double[][] actual, double[][] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var error = LogitComparison.RelativeError(Flatten(actual), Flatten(expected));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |Δ| / max |expected| = {error:E2}"));
        Assert.That(error, Is.LessThanOrEqualTo(Bound), string.Create(CultureInfo.InvariantCulture, $"{what}: {error:E2} > {Bound:E1}"));
    }
}
