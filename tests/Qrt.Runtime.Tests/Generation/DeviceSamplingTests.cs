using Qrt.Runtime.Generation;
using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>
/// <see cref="Qrt.Runtime.Ops.Sample" /> on the CPU backend against <see cref="TokenSampler" />: the two are different generators
/// (Philox against xoshiro256**) meant to draw from the same distribution, so their frequencies are compared with a
/// two-sample chi-square test. With N draws from each, over bins i with counts a_i and b_i, the statistic
/// Σ (a_i − b_i)² / (a_i + b_i) is chi-square distributed with (bins − 1) degrees of freedom when both samples come
/// from one distribution. Bins with fewer than 10 draws in all are pooled, the usual condition for the approximation.
/// The critical value is the upper 1e-6 quantile (Wilson–Hilferty: df·(1 − v + z√v)³, v = 2/(9 df), z = 4.7534), so a
/// correct op passes for all but one seed in a million; both generators are seeded, so the test is deterministic.
/// </summary>
[TestFixture]
internal sealed class DeviceSamplingTests : CpuStreamFixture
{
    private const int Vocabulary = 30;
    private const int Draws = 100_000;
    private const double NormalQuantileOneInAMillion = 4.753424;

    public static IEnumerable<TestCaseData> Settings() =>
    [
        new TestCaseData(1.0f, 0, 1.0f),
        new TestCaseData(0.7f, 5, 1.0f),
        new TestCaseData(1.2f, 0, 0.85f),
        new TestCaseData(0.9f, 8, 0.7f),
    ];

    [TestCaseSource(nameof(Settings))]
    public void Sample_DrawsFromTheDistributionOfTokenSampler(float temperature, int topK, float topP)
    {
        var logits = new TestData(31).Normal(Vocabulary, 2.0);
        logits[4] = float.NaN;
        var parameters = new SamplingParameters { Temperature = temperature, TopK = topK, TopP = topP, Seed = 99 };
        var sampler = new TokenSampler(parameters);
        var expected = new long[Vocabulary];
        for (var i = 0; i < Draws; i++)
        {
            expected[sampler.Sample(logits)]++;
        }

        var actual = new long[Vocabulary];
        foreach (var id in SampleRows(logits, Draws, temperature, topK, topP, seed: 12345))
        {
            actual[id]++;
        }

        var (statistic, degreesOfFreedom) = TwoSampleChiSquare(actual, expected);
        var critical = ChiSquareCritical(degreesOfFreedom, NormalQuantileOneInAMillion);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual[4], Is.Zero, "a NaN logit is never drawn");
            Assert.That(degreesOfFreedom, Is.GreaterThanOrEqualTo(1));
            Assert.That(statistic, Is.LessThan(critical), $"chi-square with {degreesOfFreedom} degrees of freedom");
        }
    }

    [Test]
    public void Sample_Greedy_IsTokenSamplersArgmax_AndCountersAdvance()
    {
        float[] logits = [0.5f, float.NaN, 3f, -1f, 3f, 2f];
        using var x = QrtTensor.FromData<float>(logits, DType.F32, [1, logits.Length]);
        using var temperature = QrtTensor.FromData<float>([0f], DType.F32, [1]);
        using var topK = QrtTensor.FromData<int>([0], DType.I32, [1]);
        using var topP = QrtTensor.FromData<float>([1f], DType.F32, [1]);
        using var seed = QrtTensor.FromData<long>([1], DType.I64, [1]);
        using var counter = QrtTensor.FromData<long>([41], DType.I64, [1]);
        using var ids = QrtTensor.Zeros(DType.I32, [1]);

        Qrt.Runtime.Ops.Sample(Stream, x, temperature, topK, topP, seed, counter, ids);
        Qrt.Runtime.Ops.Sample(Stream, x, temperature, topK, topP, seed, counter, ids);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ids.ToArray<int>()[0], Is.EqualTo(TokenSampler.Argmax(logits)));
            Assert.That(counter.ToArray<long>()[0], Is.EqualTo(43));
        }
    }

    [Test]
    public void Sample_NegativeTemperature_IsRejectedByRow()
    {
        using var x = QrtTensor.Zeros(DType.F32, [2, 4]);
        using var temperature = QrtTensor.FromData<float>([1f, -0.5f], DType.F32, [2]);
        using var topK = QrtTensor.Zeros(DType.I32, [2]);
        using var topP = QrtTensor.FromData<float>([1f, 1f], DType.F32, [2]);
        using var seed = QrtTensor.Zeros(DType.I64, [2]);
        using var counter = QrtTensor.Zeros(DType.I64, [2]);
        using var ids = QrtTensor.Zeros(DType.I32, [2]);

        var error = Assert.Throws<QrtException>(() => Qrt.Runtime.Ops.Sample(Stream, x, temperature, topK, topP, seed, counter, ids));

        Assert.That(error!.Message, Does.Contain("temperature").And.Contain("row 1"));
    }

    /// <summary>Draws from `rows` copies of one row of logits with distinct counters, in one call.</summary>
    private int[] SampleRows(float[] logits, int rows, float temperature, int topK, float topP, long seed)
    {
        var data = new float[rows * logits.Length];
        for (var r = 0; r < rows; r++)
        {
            logits.CopyTo(data, r * logits.Length);
        }

        using var x = QrtTensor.FromData<float>(data, DType.F32, [rows, logits.Length]);
        using var t = QrtTensor.FromData<float>(Enumerable.Repeat(temperature, rows).ToArray(), DType.F32, [rows]);
        using var k = QrtTensor.FromData<int>(Enumerable.Repeat(topK, rows).ToArray(), DType.I32, [rows]);
        using var p = QrtTensor.FromData<float>(Enumerable.Repeat(topP, rows).ToArray(), DType.F32, [rows]);
        using var s = QrtTensor.FromData<long>(Enumerable.Repeat(seed, rows).ToArray(), DType.I64, [rows]);
        using var c = QrtTensor.FromData<long>(Enumerable.Range(0, rows).Select(i => (long)i).ToArray(), DType.I64, [rows]);
        using var ids = QrtTensor.Zeros(DType.I32, [rows]);
        Qrt.Runtime.Ops.Sample(Stream, x, t, k, p, s, c, ids);
        return ids.ToArray<int>();
    }

    /// <summary>The two-sample statistic of the class summary, over bins pooled to at least 10 draws.</summary>
    private static (double Statistic, int DegreesOfFreedom) TwoSampleChiSquare(long[] a, long[] b)
    {
        var bins = new List<(long A, long B)>();
        long pooledA = 0, pooledB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] + b[i] >= 10)
            {
                bins.Add((a[i], b[i]));
            }
            else
            {
                pooledA += a[i];
                pooledB += b[i];
            }
        }

        if (pooledA + pooledB > 0)
        {
            bins.Add((pooledA, pooledB));
        }

        var statistic = bins.Sum(bin => (double)(bin.A - bin.B) * (bin.A - bin.B) / (bin.A + bin.B));
        return (statistic, bins.Count - 1);
    }

    private static double ChiSquareCritical(int degreesOfFreedom, double z)
    {
        var v = 2.0 / (9.0 * degreesOfFreedom);
        var root = 1.0 - v + (z * Math.Sqrt(v));
        return degreesOfFreedom * root * root * root;
    }
}
