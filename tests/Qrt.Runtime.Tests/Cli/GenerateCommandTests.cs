using System.Text.Json;
using Qrt.Cli.Commands;
using Qrt.Runtime.Tests.Generation;

namespace Qrt.Runtime.Tests.Cli;

/// <summary>
/// <c>qrt generate</c> and <c>qrt info --model</c> over the alphabet model (a stand-in for a loaded checkpoint), and
/// the user mistakes that must be one line and a non-zero exit code.
/// </summary>
[TestFixture]
public sealed class GenerateCommandTests
{
    [Test]
    public void Json_IsOneObjectWithIdsTextFinishReasonAndTimings()
    {
        var (exitCode, output, error) = Invoke(new GenerateArguments { ModelDirectory = "m", Prompt = "c", Raw = true, MaxTokens = 3, Json = true });
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(root.GetProperty("prompt_token_ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { TestTokenizer.BosId, 'c' }));
            Assert.That(root.GetProperty("output_token_ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 'd', 'e', 'f' }));
            Assert.That(root.GetProperty("text").GetString(), Is.EqualTo("def"));
            Assert.That(root.GetProperty("finish_reason").GetString(), Is.EqualTo("length"));
            var timings = root.GetProperty("timings");
            Assert.That(timings.GetProperty("prompt_tokens").GetInt32(), Is.EqualTo(2));
            Assert.That(timings.GetProperty("output_tokens").GetInt32(), Is.EqualTo(3));
            foreach (var name in new[] { "load_seconds", "prefill_seconds", "time_to_first_token_seconds", "decode_tokens_per_second", "total_seconds" })
            {
                Assert.That(timings.GetProperty(name).GetDouble(), Is.GreaterThanOrEqualTo(0), name);
            }

            Assert.That(timings.GetProperty("image_encoding_seconds").GetDouble(), Is.Zero, "no images, no encoding");
        }
    }

    [Test]
    public void Chat_WithSystem_StreamsTheTextToStdout_AndTimingsToStderr()
    {
        var (exitCode, output, error) = Invoke(new GenerateArguments { ModelDirectory = "m", Prompt = "hi", System = "be brief", MaxTokens = 100, Temperature = 0 });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Is.EqualTo("cdefghijklmnopqrstuvwxyz\n"));
            Assert.That(error, Does.Contain("time to first token").And.Contain("decode").And.Contain("36 prompt tokens").And.Contain("end_of_sequence"));
        }
    }

    [Test]
    public void Stop_EndsTheTextBeforeTheStopString()
    {
        var (_, output, _) = Invoke(new GenerateArguments { ModelDirectory = "m", Prompt = "c", Raw = true, StopSequences = ["gh"], Json = true });
        using var document = JsonDocument.Parse(output);
        Assert.That(document.RootElement.GetProperty("text").GetString(), Is.EqualTo("def"));
        Assert.That(document.RootElement.GetProperty("finish_reason").GetString(), Is.EqualTo("stop_sequence"));
    }

    [TestCase(0f, null, null, 256, "--max-tokens", TestName = "BadValue_MaxTokensZero")]
    [TestCase(-1f, null, null, 5, "--temperature", TestName = "BadValue_NegativeTemperature")]
    [TestCase(null, 1.5f, null, 5, "--top-p", TestName = "BadValue_TopPAboveOne")]
    [TestCase(null, null, -2, 5, "--top-k", TestName = "BadValue_NegativeTopK")]
    public void BadValue_IsOneLineAndExitCode2(float? temperature, float? topP, int? topK, int maxTokens, string named)
    {
        var arguments = new GenerateArguments
        {
            ModelDirectory = "m", Prompt = "c", Raw = true, Temperature = temperature, TopP = topP, TopK = topK,
            MaxTokens = temperature == 0f ? 0 : maxTokens,
        };
        var (exitCode, output, error) = Invoke(arguments);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.StartWith("qrt: " + named));
            Assert.That(error.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
        }
    }

    [Test]
    public void ModelWithoutTemplate_WithoutRaw_IsOneLineAndExitCode1()
    {
        var (exitCode, _, error) = Invoke(new GenerateArguments { ModelDirectory = "m", Prompt = "hi" }, TestModels.Create(ScriptedLanguageModel.Alphabet()));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(error, Does.Contain("no chat template").And.Contain("--raw"));
            Assert.That(error.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
        }
    }

    [Test]
    public void PromptTooLong_IsOneLineAndExitCode1()
    {
        var model = TestModels.Create(ScriptedLanguageModel.Alphabet(maxContextLength: 3));
        var (exitCode, _, error) = Invoke(new GenerateArguments { ModelDirectory = "m", Prompt = "cdefg", Raw = true }, model);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(error, Does.StartWith("qrt: the prompt has 6 tokens"));
        }
    }

    [Test]
    public void MissingModelDirectory_IsOneLineNamingItAndExitCode1()
    {
        var missing = Path.Combine(Path.GetTempPath(), "qrt-no-such-model-" + Guid.NewGuid().ToString("N"));
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = GenerateCommand.Run(new GenerateArguments { ModelDirectory = missing, Prompt = "hi" }, output, error, QrtModel.Load, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(error.ToString(), Does.StartWith("qrt: ").And.Contain(missing));
            Assert.That(error.ToString().TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
        }
    }

    [Test]
    public void InfoModel_DescribesArchitectureSizesSchemesAndContext()
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = InfoCommand.RunModel(
            "m", output, error, (_, _) => TestModels.Create(ScriptedLanguageModel.Alphabet(maxContextLength: 48)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error.ToString());
            Assert.That(output.ToString(), Does.Contain("architecture: MistralForCausalLM\n"));
            Assert.That(output.ToString(), Does.Contain("parameters: 123,456"));
            Assert.That(output.ToString(), Does.Contain("bytes on disk: 200,000").And.Contain("bytes in memory: 150,000"));
            Assert.That(output.ToString(), Does.Contain("context limit: 48 tokens\n"));
            Assert.That(output.ToString(), Does.Contain("  q_proj: w4a16 (group 128) (2 layers)\n").And.Contain("  lm_head: bf16 (1 layer)\n"));
        }
    }

    private static (int ExitCode, string Output, string Error) Invoke(GenerateArguments arguments, QrtModel? model = null)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = GenerateCommand.Run(
            arguments, output, error, (_, _) => model ?? TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template), CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
