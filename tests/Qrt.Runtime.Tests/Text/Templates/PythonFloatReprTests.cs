using Qrt.Runtime.Text.Templates;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>Floats print as Python's repr() prints them (the expected strings are CPython's).</summary>
[TestFixture]
internal sealed class PythonFloatReprTests
{
    [TestCase(0.1, "0.1")]
    [TestCase(1.0, "1.0")]
    [TestCase(-2.5, "-2.5")]
    [TestCase(1e-4, "0.0001")]
    [TestCase(1e-5, "1e-05")]
    [TestCase(1.5e-7, "1.5e-07")]
    [TestCase(123456789012345.6, "123456789012345.6")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1.2345e100, "1.2345e+100")]
    [TestCase(5e-324, "5e-324")]
    [TestCase(1.7976931348623157e308, "1.7976931348623157e+308")]
    [TestCase(0.30000000000000004, "0.30000000000000004")]
    [TestCase(double.PositiveInfinity, "inf")]
    [TestCase(double.NaN, "nan")]
    [TestCase(-0.0, "-0.0")]
    public void MatchesCPythonRepr(double value, string expected)
    {
        Assert.That(PythonText.FloatRepr(value), Is.EqualTo(expected));
    }
}
