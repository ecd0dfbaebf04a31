namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// One temporary directory for the tokenizer files the tests write and share (synth tokenizers, variants of the
/// real ones), removed once every test of this namespace has run.
/// </summary>
[SetUpFixture]
internal sealed class GeneratedTokenizerFiles
{
    private static readonly Lazy<string> Root = new(
        () => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "qrt-tokenizer-files-" + Guid.NewGuid().ToString("N"))).FullName,
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new subdirectory named <paramref name="name" /> (unique within a run).</summary>
    public static string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(Root.Value, name)).FullName;

    [OneTimeTearDown]
    public void RemoveTheFiles()
    {
        if (!Root.IsValueCreated)
        {
            return;
        }

        try
        {
            Directory.Delete(Root.Value, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }
}
