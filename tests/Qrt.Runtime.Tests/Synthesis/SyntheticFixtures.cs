using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary>Writes synthetic checkpoints into temporary directories for the tests.</summary>
internal static class SyntheticFixtures
{
    /// <summary>Every text architecture × scheme pair.</summary>
    public static IEnumerable<TestCaseData> AllCombinations() =>
        from architecture in Enum.GetValues<SyntheticArchitecture>()
        where !architecture.IsVisionLanguage()
        from scheme in Enum.GetValues<SyntheticScheme>()
        select new TestCaseData(architecture, scheme).SetArgDisplayNames(architecture.Name(), scheme.Name());

    /// <summary>Every vision-language architecture × scheme pair.</summary>
    public static IEnumerable<TestCaseData> VisionLanguageCombinations() =>
        from architecture in Enum.GetValues<SyntheticArchitecture>()
        where architecture.IsVisionLanguage()
        from scheme in Enum.GetValues<SyntheticScheme>()
        select new TestCaseData(architecture, scheme).SetArgDisplayNames(architecture.Name(), scheme.Name());

    /// <summary>A tiny checkpoint in a fresh temporary directory (dispose it to delete).</summary>
    public static (TemporaryDirectory Directory, SyntheticCheckpointSummary Summary) WriteTiny(
        SyntheticArchitecture architecture, SyntheticScheme scheme, int seed = 7, int shards = 1, ModelDimensions? dimensions = null)
    {
        var directory = new TemporaryDirectory();
        var summary = SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = scheme,
            Size = SyntheticSize.Tiny,
            Seed = seed,
            Shards = shards,
            OutputDirectory = directory.Path,
            Dimensions = dimensions,
        });
        return (directory, summary);
    }
}
