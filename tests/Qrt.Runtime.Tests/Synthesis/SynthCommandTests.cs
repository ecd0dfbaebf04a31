using Qrt.Cli.Commands;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary><c>qrt synth</c> writes a loadable directory and turns user mistakes into one line and a non-zero exit.</summary>
[TestFixture]
internal sealed class SynthCommandTests
{
    [Test]
    public void Synth_WritesALoadableDirectory_AndSaysTheWeightsAreRandom()
    {
        using var directory = new TemporaryDirectory();
        var target = Path.Combine(directory.Path, "model");
        var (exitCode, output, error) = Invoke(new SynthArguments("qwen2", "w4a16", "tiny", 1, 2, target, Force: false));
        using var checkpoint = SafetensorsCheckpoint.Open(target);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(error, Is.Empty);
            Assert.That(output, Does.Contain("random").And.Contain("parameters").And.Contain("model-00002-of-00002.safetensors"));
            Assert.That(checkpoint.Files, Has.Count.EqualTo(2));
            Assert.That(Tokenizer.Load(target).VocabularySize, Is.EqualTo(512));
        }
    }

    [TestCase("pixtral", "w8a8-int8", new[] { "preprocessor_config.json", "processor_config.json", "chat_template.json" })]
    [TestCase("qwen2-vl", "w4a16-actorder", new[] { "preprocessor_config.json", "chat_template.json" })]
    public void Synth_OfAVisionLanguageArchitecture_WritesTheProcessorFiles_AndSaysSo(string architecture, string scheme, string[] imageFiles)
    {
        using var directory = new TemporaryDirectory();
        var target = Path.Combine(directory.Path, "model");
        var (exitCode, output, error) = Invoke(new SynthArguments(architecture, scheme, "tiny", 0, 1, target, Force: false));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(error, Is.Empty);
            Assert.That(output, Does.StartWith($"Wrote a tiny {architecture} vision-language model in {scheme} to "));
            Assert.That(output, Does.Contain("vision tower and projector are BF16"));
            foreach (var file in imageFiles.Append("config.json").Append("model.safetensors").Append("tokenizer.json"))
            {
                Assert.That(File.Exists(Path.Combine(target, file)), Is.True, file);
                Assert.That(output, Does.Contain($"    {file} ("), file);
            }
        }
    }

    [Test]
    public void Synth_OfATextArchitecture_SaysCheckpoint_AndWritesNoProcessorFiles()
    {
        using var directory = new TemporaryDirectory();
        var target = Path.Combine(directory.Path, "model");
        var (exitCode, output, _) = Invoke(new SynthArguments("mistral", "bf16", "tiny", 0, 1, target, Force: false));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(output, Does.StartWith("Wrote a tiny mistral checkpoint in bf16 to "));
            Assert.That(output, Does.Not.Contain("preprocessor_config.json").And.Not.Contain("vision"));
        }
    }

    [TestCase("--scheme", "w3a16")]
    [TestCase("--arch", "gpt2")]
    [TestCase("--size", "huge")]
    public void Synth_WithAnUnknownName_IsOneLineNamingTheChoices(string option, string value)
    {
        using var directory = new TemporaryDirectory();
        var arguments = new SynthArguments("llama", "bf16", "tiny", 0, 1, Path.Combine(directory.Path, "model"), Force: false);
        arguments = option switch
        {
            "--scheme" => arguments with { Scheme = value },
            "--arch" => arguments with { Architecture = value },
            _ => arguments with { Size = value },
        };
        var (exitCode, output, error) = Invoke(arguments);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.StartWith($"qrt: {option} \"{value}\" is not supported; choose one of"));
            Assert.That(error.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
            Assert.That(Directory.Exists(Path.Combine(directory.Path, "model")), Is.False, "nothing written");
        }
    }

    [Test]
    public void Synth_IntoANonEmptyDirectory_IsRefusedWithoutForce()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("notes.txt"), "keep me");
        var arguments = new SynthArguments("mistral", "fp8", "tiny", 0, 1, directory.Path, Force: false);
        var (exitCode, _, error) = Invoke(arguments);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(error, Does.StartWith("qrt: --out ").And.Contain("not empty").And.Contain("--force"));
            Assert.That(error.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
            Assert.That(File.Exists(directory.File("config.json")), Is.False);
        }

        Assert.That(Invoke(arguments with { Force = true }).ExitCode, Is.Zero);
        Assert.That(File.Exists(directory.File("model.safetensors")), Is.True);
    }

    [Test]
    public void Synth_WithZeroShards_IsAUsageError()
    {
        using var directory = new TemporaryDirectory();
        var (exitCode, _, error) = Invoke(new SynthArguments("llama", "bf16", "tiny", 0, 0, Path.Combine(directory.Path, "m"), Force: false));
        Assert.That((exitCode, error), Is.EqualTo((2, "qrt: --shards must be at least 1; found 0\n")));
    }

    private static (int ExitCode, string Output, string Error) Invoke(SynthArguments arguments)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = SynthCommand.Run(arguments, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
