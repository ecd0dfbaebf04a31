using System.Text.Json;
using Qrt.Runtime.Text;
using Qrt.Runtime.Text.Templates;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// <see cref="ChatTemplate.Load" /> finds the template as transformers does (chat_template.jinja, then
/// chat_template.json, then processor_config.json, then tokenizer_config.json, a string or named templates), reads the special tokens from
/// tokenizer_config.json, and reports missing or malformed files by name.
/// </summary>
[TestFixture]
internal sealed class ChatTemplateLoadTests
{
    private string _directory = string.Empty;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "qrt-chat-template-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void PrefersChatTemplateJinja_ThenChatTemplateJson_ThenProcessorConfig_ThenTokenizerConfig()
    {
        Write("tokenizer_config.json", """{"chat_template": "from config", "bos_token": "<s>"}""");
        Assert.That(Render(), Is.EqualTo("from config"));

        Write("processor_config.json", """{"chat_template": "from processor {{ bos_token }}", "processor_class": "PixtralProcessor"}""");
        Assert.That(Render(), Is.EqualTo("from processor <s>"));

        Write("chat_template.json", """{"chat_template": "from json {{ bos_token }}"}""");
        Assert.That(Render(), Is.EqualTo("from json <s>"));

        Write("chat_template.jinja", "from jinja {{ bos_token }}\n");
        Assert.That(Render(), Is.EqualTo("from jinja <s>"));
        Assert.That(ChatTemplate.Load(_directory).Origin, Is.EqualTo(Path.Combine(_directory, "chat_template.jinja")));
    }

    [Test]
    public void NamedTemplates_PickDefault_OrTheOneAskedFor()
    {
        Write("tokenizer_config.json", """
            {"chat_template": [{"name": "default", "template": "plain"}, {"name": "tool_use", "template": "with tools"}]}
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Render(), Is.EqualTo("plain"));
            Assert.That(ChatTemplate.Load(_directory, "tool_use").Render([]), Is.EqualTo("with tools"));
            var missing = Assert.Throws<ModelFileException>(() => ChatTemplate.Load(_directory, "rag"));
            Assert.That(missing!.Message, Does.Contain("no chat template named 'rag'").And.Contain("'default', 'tool_use'"));
        }
    }

    [Test]
    public void NamedTemplatesWithoutDefault_AskForAName()
    {
        Write("tokenizer_config.json", """{"chat_template": [{"name": "a", "template": "x"}, {"name": "b", "template": "y"}]}""");

        var error = Assert.Throws<ModelFileException>(() => ChatTemplate.Load(_directory));

        Assert.That(error!.FilePath, Is.EqualTo(Path.Combine(_directory, "tokenizer_config.json")));
        Assert.That(error.Message, Does.Contain("none named 'default'"));
    }

    [Test]
    public void SpecialTokens_AreStringsOrAddedTokenObjects()
    {
        Write("tokenizer_config.json", """
            {"chat_template": "{{ bos_token }}|{{ eos_token }}|{{ unk_token }}|{{ pad_token is defined }}",
             "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false}, "eos_token": "</s>", "unk_token": "<unk>", "pad_token": null}
            """);

        var template = ChatTemplate.Load(_directory);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(template.Render([]), Is.EqualTo("<s>|</s>|<unk>|False"));
            Assert.That(template.SpecialTokens, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>",
            }));
        }
    }

    [Test]
    public void MissingTemplate_NamesTheDirectory()
    {
        Write("tokenizer_config.json", """{"bos_token": "<s>"}""");

        var error = Assert.Throws<ModelFileException>(() => ChatTemplate.Load(_directory));

        Assert.That(error!.FilePath, Is.EqualTo(_directory));
        Assert.That(error.Message, Does.Contain("has no chat template"));
    }

    [Test]
    public void MissingDirectory_IsReported()
    {
        var missing = Path.Combine(_directory, "nope");

        var error = Assert.Throws<ModelFileException>(() => ChatTemplate.Load(missing));

        Assert.That(error!.FilePath, Is.EqualTo(missing));
    }

    [TestCase("tokenizer_config.json", """{"chat_template": "x",}""", "is not valid JSON")]
    [TestCase("tokenizer_config.json", """["not", "an", "object"]""", "must hold a JSON object")]
    [TestCase("tokenizer_config.json", """{"chat_template": 42}""", "'chat_template' must be a string or a list")]
    [TestCase("tokenizer_config.json", """{"chat_template": [{"name": "default"}]}""", "'chat_template' entry 0 must be an object with 'name' and 'template' strings")]
    [TestCase("tokenizer_config.json", """{"chat_template": "x", "bos_token": 7}""", "'bos_token' must be a string")]
    [TestCase("chat_template.json", """{"chat_template": "x" """, "is not valid JSON")]
    [TestCase("chat_template.json", """{"template": "x"}""", "has no 'chat_template' entry")]
    public void MalformedFiles_RaiseModelFileExceptionNamingTheFile(string file, string content, string problem)
    {
        Write(file, content);

        var error = Assert.Throws<ModelFileException>(() => ChatTemplate.Load(_directory));

        Assert.That(error!.FilePath, Is.EqualTo(Path.Combine(_directory, file)));
        Assert.That(error.Message, Does.StartWith(Path.Combine(_directory, file) + ": ").And.Contain(problem));
    }

    [Test]
    public void TemplateErrors_NameTheFileAndEntry()
    {
        Write("tokenizer_config.json", """{"chat_template": "ok\n{{ x + }}"}""");

        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Load(_directory));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Origin, Is.EqualTo(Path.Combine(_directory, "tokenizer_config.json") + " (chat_template)"));
            Assert.That(error.Message, Does.StartWith(error.Origin + ", line 2, column 8: "));
        }
    }

    [Test]
    public void TemplateErrors_InAJinjaFile_NameTheFile()
    {
        Write("chat_template.jinja", "{% for m in messages %}\n{{ m.content }}\n");

        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Load(_directory));

        Assert.That(error!.Message, Does.StartWith(Path.Combine(_directory, "chat_template.jinja") + ", line 1, column 1: "));
    }

    [Test]
    public void StrftimeNow_ReadsTheGivenClock()
    {
        Write("chat_template.jinja", "Today Date: {{ strftime_now('%d %b %Y') }}");

        Assert.That(ChatTemplate.Load(_directory).WithClock(FixedClock.Instance).Render([]), Is.EqualTo("Today Date: 23 Jul 2024"));
    }

    private string Render() => ChatTemplate.Load(_directory).Render([]);

    private void Write(string file, string content) => File.WriteAllText(Path.Combine(_directory, file), content);
}
