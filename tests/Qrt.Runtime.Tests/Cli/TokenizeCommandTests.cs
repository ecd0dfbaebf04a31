using System.Text.Json;
using Qrt.Cli.Commands;
using Qrt.Runtime.Tests.Text.Tokenizers;

namespace Qrt.Runtime.Tests.Cli;

/// <summary><c>qrt tokenize</c> prints the reference ids, and a broken model directory is one line on stderr.</summary>
[TestFixture]
public sealed class TokenizeCommandTests
{
    [Test]
    public void Tokenize_PrintsTheReferenceIds_WithBosUnlessNoSpecial()
    {
        // "Hello world" in the Llama 2 / Mistral 32000 vocabulary is <s> ▁Hello ▁world = 1 22557 1526.
        var directory = RealTokenizers.Directory(RealTokenizers.Llama2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Invoke(directory, "Hello world", json: false, noSpecial: false), Is.EqualTo((0, "1 22557 1526\n", "")));
            Assert.That(Invoke(directory, "Hello world", json: false, noSpecial: true), Is.EqualTo((0, "22557 1526\n", "")));
        }
    }

    [Test]
    public void Tokenize_WithJson_PrintsIdsAndTokenStrings()
    {
        var directory = RealTokenizers.Directory(RealTokenizers.Llama2);
        var (exitCode, output, _) = Invoke(directory, "Hello world", json: true, noSpecial: false);
        using var document = JsonDocument.Parse(output);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(document.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 22557, 1526 }));
            Assert.That(document.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "<s>", "▁Hello", "▁world" }));
        }
    }

    [Test]
    public void Tokenize_OfAMissingDirectory_IsOneLineOnStderrAndExitCode1()
    {
        var missing = Path.Combine(Path.GetTempPath(), "qrt-no-such-model-" + Guid.NewGuid().ToString("N"));
        var (exitCode, output, error) = Invoke(missing, "Hello", json: false, noSpecial: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.StartWith("qrt: ").And.Contain(missing));
            Assert.That(error.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
        }
    }

    private static (int ExitCode, string Output, string Error) Invoke(string directory, string text, bool json, bool noSpecial)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = TokenizeCommand.Run(directory, text, json, noSpecial, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
