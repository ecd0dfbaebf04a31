using Qrt.Runtime.Interop;

namespace Qrt.Runtime.Tests.Support;

/// <summary>Runs once before any test: the suite is meaningless without libqrt, so say so up front.</summary>
[SetUpFixture]
internal sealed class NativeBuildCheck
{
    [OneTimeSetUp]
    public void LibraryLoads()
    {
        // Throws QrtLibraryLoadException with the search report, failing every test with that reason.
        QrtNativeLibrary.EnsureLoaded();
        TestContext.Progress.WriteLine(QrtNativeLibrary.Describe());
    }
}
