using System.Globalization;

namespace Qrt.Runtime.Tests.Support;

/// <summary>Elementwise comparison with a stated bound: |actual − expected| ≤ atol + rtol·|expected|.</summary>
internal static class Tolerance
{
    /// <summary>
    /// Asserts every element is within the bound; the failure message names the count of bad elements and the
    /// worst one, with both values.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double atol, double rtol, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: element count");
        var bad = 0;
        var worst = -1;
        var worstExcess = double.NegativeInfinity;
        for (var i = 0; i < actual.Length; i++)
        {
            double excess;
            if (double.IsNaN(expected[i]) || float.IsNaN(actual[i]))
            {
                excess = double.IsNaN(expected[i]) && float.IsNaN(actual[i]) ? double.NegativeInfinity : double.PositiveInfinity;
            }
            else if (double.IsInfinity(expected[i]) || float.IsInfinity(actual[i]))
            {
                excess = actual[i] == expected[i] ? double.NegativeInfinity : double.PositiveInfinity;
            }
            else
            {
                excess = Math.Abs(actual[i] - expected[i]) - (atol + (rtol * Math.Abs(expected[i])));
            }

            if (excess > 0)
            {
                bad++;
            }

            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }

        if (bad > 0)
        {
            Assert.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"{what}: {bad} of {actual.Length} elements exceed atol {atol:G3} + rtol {rtol:G3}; worst at {worst}: {actual[worst]:G9} vs {expected[worst]:G9}"));
        }
    }

    /// <summary>As above for FP32 expectations.</summary>
    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol, double rtol, string what)
    {
        var widened = new double[expected.Length];
        for (var i = 0; i < expected.Length; i++)
        {
            widened[i] = expected[i];
        }

        AssertClose(actual, widened, atol, rtol, what);
    }
}
