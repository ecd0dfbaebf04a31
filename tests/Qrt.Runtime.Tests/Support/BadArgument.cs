namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// One bad-argument case of an op: what it is, the single change it makes to the op's valid call, and the argument
/// libqrt's message must name.
/// </summary>
/// <typeparam name="TCall">The op's description of a call: the dtype, shape and values of each argument.</typeparam>
internal sealed record BadArgument<TCall>(string Description, Func<TCall, TCall> Change, string Argument)
{
    public override string ToString() => $"{Description}, naming {Argument}";
}

internal static class BadArgument
{
    /// <summary>A test case per bad argument, shown as its description: Gemm_Rejects(an integer weight, naming w).</summary>
    public static IEnumerable<TestCaseData> Cases<TCall>(params BadArgument<TCall>[] cases) =>
        cases.Select(bad => new TestCaseData(bad).SetArgDisplayNames(bad.ToString()));
}
