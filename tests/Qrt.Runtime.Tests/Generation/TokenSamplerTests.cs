using Qrt.Runtime.Generation;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>
/// Greedy, temperature, top-k and top-p sampling against probabilities computed by hand, and reproducibility
/// of a seed.
/// </summary>
[TestFixture]
public sealed class TokenSamplerTests
{
    [Test]
    public void Greedy_TakesTheFirstLargestLogit()
    {
        var sampler = new TokenSampler(SamplingParameters.Greedy);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sampler.Sample([0.1f, 3f, -2f, 3f]), Is.EqualTo(1));
            Assert.That(sampler.Sample([float.NaN, -1f, -5f]), Is.EqualTo(1), "NaN never wins");
        }
    }

    [Test]
    public void SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        var logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i)).ToArray();
        int[] Draw(ulong seed)
        {
            var sampler = new TokenSampler(new SamplingParameters { Temperature = 1.5f, Seed = seed });
            return Enumerable.Range(0, 64).Select(_ => sampler.Sample(logits)).ToArray();
        }

        var first = Draw(7);
        var again = Draw(7);
        var other = Draw(8);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.EqualTo(first));
            Assert.That(other, Is.Not.EqualTo(first));
        }
    }

    [Test]
    public void Frequencies_FollowSoftmaxOfLogitsOverTemperature()
    {
        // logits ln 1, ln 2, ln 3, ln 4 at temperature 1 give probabilities 0.1, 0.2, 0.3, 0.4; at temperature 0.5
        // they are squared before normalizing: 1, 4, 9, 16 over 30.
        float[] logits = [0f, MathF.Log(2), MathF.Log(3), MathF.Log(4)];
        AssertFrequencies(new SamplingParameters { Temperature = 1f, Seed = 1 }, logits, [0.1, 0.2, 0.3, 0.4]);
        AssertFrequencies(new SamplingParameters { Temperature = 0.5f, Seed = 2 }, logits, [1 / 30.0, 4 / 30.0, 9 / 30.0, 16 / 30.0]);
    }

    [Test]
    public void TopK_KeepsTheKLargest_AndTiesWithTheKth()
    {
        float[] logits = [1f, 5f, 3f, 3f, 0f];
        // k = 2: the second largest is 3, tied by ids 2 and 3, so ids 1, 2, 3 stay, renormalized.
        var e5 = Math.Exp(5);
        var e3 = Math.Exp(3);
        var total = e5 + (2 * e3);
        AssertFrequencies(new SamplingParameters { TopK = 2, Seed = 3 }, logits, [0, e5 / total, e3 / total, e3 / total, 0]);
    }

    [Test]
    public void TopP_KeepsTheSmallestSetReachingP()
    {
        // Probabilities 0.4, 0.3, 0.2, 0.1 (ids 3, 2, 1, 0): p = 0.65 keeps 0.4 + 0.3 = 0.7 ≥ 0.65, renormalized to 4/7, 3/7.
        float[] logits = [0f, MathF.Log(2), MathF.Log(3), MathF.Log(4)];
        AssertFrequencies(new SamplingParameters { TopP = 0.65f, Seed = 4 }, logits, [0, 0, 3 / 7.0, 4 / 7.0]);
    }

    [Test]
    public void TopP_AppliesAfterTemperature()
    {
        // At temperature 0.5 the probabilities are 1/30, 4/30, 9/30, 16/30: p = 0.5 keeps only id 3 (16/30 ≥ 0.5).
        float[] logits = [0f, MathF.Log(2), MathF.Log(3), MathF.Log(4)];
        AssertFrequencies(new SamplingParameters { Temperature = 0.5f, TopP = 0.5f, Seed = 5 }, logits, [0, 0, 0, 1]);
    }

    [TestCase(-0.5f, 0, 1f, "Temperature")]
    [TestCase(float.NaN, 0, 1f, "Temperature")]
    [TestCase(1f, -1, 1f, "TopK")]
    [TestCase(1f, 0, 0f, "TopP")]
    [TestCase(1f, 0, 1.5f, "TopP")]
    public void ParametersOutOfRange_AreRejected_NamingTheParameter(float temperature, int topK, float topP, string name) =>
        Assert.That(
            () => new TokenSampler(new SamplingParameters { Temperature = temperature, TopK = topK, TopP = topP }),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(name));

    /// <summary>
    /// Draws 40,000 tokens and compares each frequency with its probability within 5 standard errors
    /// (sqrt(p(1-p)/n) ≤ 0.0025), which a correct sampler fails with negligible probability.
    /// </summary>
    private static void AssertFrequencies(SamplingParameters parameters, float[] logits, double[] expected)
    {
        const int Draws = 40_000;
        var sampler = new TokenSampler(parameters);
        var counts = new int[logits.Length];
        for (var i = 0; i < Draws; i++)
        {
            counts[sampler.Sample(logits)]++;
        }

        using (Assert.EnterMultipleScope())
        {
            for (var id = 0; id < logits.Length; id++)
            {
                var p = expected[id];
                var tolerance = 5 * Math.Sqrt(Math.Max(p * (1 - p), 1e-12) / Draws);
                Assert.That((double)counts[id] / Draws, Is.EqualTo(p).Within(tolerance), $"token {id} with {parameters}");
            }
        }
    }
}
