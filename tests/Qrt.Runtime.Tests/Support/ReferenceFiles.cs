using Qrt.Runtime.Tests.Bindings;

namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// Where the files shared with the reference scripts live: the inputs both sides read (tests/reference/inputs) and
/// the goldens the scripts write from the real libraries (tests/goldens).
/// </summary>
internal static class ReferenceFiles
{
    /// <summary>tests/reference/inputs/<paramref name="name" />.</summary>
    public static string Input(string name) => Path.Combine(BindingsTestSupport.RepositoryRoot, "tests", "reference", "inputs", name);

    /// <summary>tests/goldens/<paramref name="kind" />/<paramref name="name" />.</summary>
    public static string Golden(string kind, string name) => Path.Combine(BindingsTestSupport.RepositoryRoot, "tests", "goldens", kind, name);
}
