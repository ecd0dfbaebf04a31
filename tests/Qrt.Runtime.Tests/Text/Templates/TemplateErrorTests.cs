using Qrt.Runtime.Text;
using Qrt.Runtime.Text.Templates;
using JinjaTemplate = Qrt.Runtime.Text.Templates.Template;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// Syntax errors, unsupported constructs and rendering errors are <see cref="TemplateException" />s that quote the
/// template: origin, line, column, the source line and a caret under the fault.
/// </summary>
[TestFixture]
internal sealed class TemplateErrorTests
{
    [Test]
    public void SyntaxError_QuotesLineColumnSourceLineAndCaret()
    {
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("Hello\n{% if x %}\n  {{ x + }}\n{% endif %}", "my-template"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Line, Is.EqualTo(3));
            Assert.That(error.Column, Is.EqualTo(10));
            Assert.That(error.Origin, Is.EqualTo("my-template"));
            Assert.That(error.Message, Is.EqualTo(
                "my-template, line 3, column 10: expected an expression, found '}}'\n      {{ x + }}\n             ^"));
        }
    }

    [TestCase("{% include 'other.jinja' %}", 1, 4, "the '{% include %}' statement is not supported in chat templates")]
    [TestCase("{% extends 'base' %}", 1, 4, "the '{% extends %}' statement is not supported in chat templates")]
    [TestCase("x\n  {% for m in messages recursive %}{% endfor %}", 2, 24, "recursive loops are not supported in chat templates")]
    [TestCase("{% frobnicate %}", 1, 4, "unknown statement 'frobnicate'")]
    [TestCase("{% for m in messages %}\n{% endif %}", 2, 4, "unexpected 'endif': expected '{% else %}' or '{% endfor %}' for the 'for' at line 1")]
    [TestCase("a\n{% if x %}never closed", 2, 1, "the 'if' opened here is never closed: expected '{% elif %}', '{% else %}' or '{% endif %}'")]
    [TestCase("{{ 'unterminated }}", 1, 4, "this string literal is never closed")]
    [TestCase("{{ (1, 2 }}", 1, 10, "unexpected '}', expected ')'")]
    [TestCase("{# no end", 1, 1, "the comment opened here is never closed with '#}'")]
    [TestCase("{% break %}", 1, 4, "'break' outside of a loop")]
    [TestCase("{{ x ? y }}", 1, 6, "unexpected character '?'")]
    public void UnsupportedOrMalformedTemplates_AreRejectedWhenParsed(string template, int line, int column, string problem)
    {
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Problem, Is.EqualTo(problem));
            Assert.That((error.Line, error.Column), Is.EqualTo((line, column)));
            Assert.That(error.Message, Does.StartWith($"template, line {line}, column {column}: {problem}\n"));
        }
    }

    [TestCase("{{ 1 + 'a' }}", 1, 6, "unsupported operand type(s) for +: 'int' and 'str'")]
    [TestCase("x\n{{ missing + 1 }}", 2, 12, "'missing' is undefined")]
    [TestCase("{{ 1 / 0 }}", 1, 6, "division by zero")]
    [TestCase("{{ 'abc' | wordwrap }}", 1, 12, "the filter 'wordwrap' is not supported in chat templates")]
    [TestCase("{{ 'abc' | frobnicate }}", 1, 12, "no filter named 'frobnicate'")]
    [TestCase("{{ 3 is frobnicated }}", 1, 9, "no test named 'frobnicated'")]
    [TestCase("{% for m in none %}{% endfor %}", 1, 13, "'NoneType' object is not iterable")]
    [TestCase("{% set d = {} %}{% set d.x = 1 %}", 1, 24, "cannot assign attribute 'x' on 'd': only a namespace() can be assigned to")]
    [TestCase("{{ [1, 2].append(3) }}", 1, 11, "list.append() would modify the list; templates render with immutable values")]
    [TestCase("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", 1, 34, "macro 'm' takes not more than 1 argument(s)")]
    [TestCase("{{ 'x'.format(1) }}", 1, 8, "str.format() is not supported; build the text with '~' or '+'")]
    public void RenderingErrors_PointAtTheFailingExpression(string template, int line, int column, string problem)
    {
        var parsed = ChatTemplate.Parse(template);

        var error = Assert.Throws<TemplateException>(() => parsed.Render([]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Problem, Is.EqualTo(problem));
            Assert.That((error.Line, error.Column), Is.EqualTo((line, column)));
        }
    }

    [Test]
    public void UnknownFilterOnAnUntakenBranch_DoesNotStopRendering()
    {
        // As in Jinja 3: filters are looked up when used, so templates with optional features still render.
        Assert.That(ChatTemplate.Parse("{% if false %}{{ x | wordwrap }}{% endif %}ok").Render([]), Is.EqualTo("ok"));
    }

    [Test]
    public void RaiseException_SurfacesTheTemplatesMessage_WithItsLocation()
    {
        var template = ChatTemplate.Parse("{% if messages | length > 1 %}\n  {{ raise_exception('Only one message, please.') }}\n{% endif %}", "one.jinja");

        var error = Assert.Throws<TemplateRaisedException>(() => template.Render([ChatMessage.User("a"), ChatMessage.User("b")]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.TemplateMessage, Is.EqualTo("Only one message, please."));
            Assert.That(error.Message, Does.StartWith("one.jinja, line 2, column 6: the template raised an error: Only one message, please."));
            Assert.That(error, Is.InstanceOf<TemplateException>());
        }
    }

    [Test]
    public void TabsInTheSourceLine_KeepTheCaretUnderTheColumn()
    {
        var error = Assert.Throws<TemplateException>(() => JinjaTemplate.Parse("\t\t{{ 1 + }}", null));

        Assert.That(error!.Message, Does.EndWith("\n    \t\t{{ 1 + }}\n    \t\t       ^"));
    }

    [Test]
    public void RunawayMacroRecursion_IsAnErrorNotACrash()
    {
        var template = ChatTemplate.Parse("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}");

        var error = Assert.Throws<TemplateException>(() => template.Render([]));

        Assert.That(error!.Problem, Does.Contain("nested more than"));
    }

    [TestCase(100, true)]
    [TestCase(5000, false)]
    public void DeepNesting_RendersWithinTheLimit_AndIsRefusedBeyondIt(int depth, bool accepted)
    {
        var expression = "{{ " + new string('(', depth) + "1" + new string(')', depth) + " }}";
        var blocks = string.Concat(Enumerable.Repeat("{% if true %}", depth)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", depth));

        if (accepted)
        {
            Assert.That(ChatTemplate.Parse(expression).Render([]) + ChatTemplate.Parse(blocks).Render([]), Is.EqualTo("1x"));
            return;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Assert.Throws<TemplateException>(() => ChatTemplate.Parse(expression))!.Problem, Does.Contain("nests"));
            Assert.That(Assert.Throws<TemplateException>(() => ChatTemplate.Parse(blocks))!.Problem, Does.Contain("nests"));
        }
    }
}
