using Qrt.Runtime.Generation;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>Stop sequences are found across token boundaries, cut from the output, and nothing else is lost.</summary>
[TestFixture]
public sealed class StopSequenceMatcherTests
{
    [Test]
    public void StopSequenceSpanningPieces_IsFound_AndCutFromTheOutput()
    {
        var matcher = new StopSequenceMatcher(["</answer>"]);
        var shown = matcher.Append("The result is 42<") + matcher.Append("/ans") + matcher.Append("wer> and more");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(shown, Is.EqualTo("The result is 42"));
            Assert.That(matcher.Stopped, Is.True);
            Assert.That(matcher.Append("ignored"), Is.Empty);
            Assert.That(matcher.Flush(), Is.Empty);
        }
    }

    [Test]
    public void TextThatOnlyLooksLikeAStart_IsHeldThenReleased()
    {
        var matcher = new StopSequenceMatcher(["\nUser:"]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(matcher.Append("Hello\nUs"), Is.EqualTo("Hello"), "the tail \\nUs may start the stop sequence");
            Assert.That(matcher.Append("ually"), Is.EqualTo("\nUsually"));
            Assert.That(matcher.Append(" fine\n"), Is.EqualTo(" fine"));
            Assert.That(matcher.Flush(), Is.EqualTo("\n"), "held text is released at the end");
            Assert.That(matcher.Stopped, Is.False);
        }
    }

    [Test]
    public void EarliestOfSeveralStopSequences_Wins()
    {
        var matcher = new StopSequenceMatcher(["END", "STOP"]);
        Assert.That(matcher.Append("a STOP b END"), Is.EqualTo("a "));
    }

    [Test]
    public void EveryCharacterAsItsOwnPiece_GivesTheSameResultAsOnePiece()
    {
        const string text = "abc<|im_end|>def";
        var whole = new StopSequenceMatcher(["<|im_end|>"]).Append(text);
        var matcher = new StopSequenceMatcher(["<|im_end|>"]);
        var pieces = string.Concat(text.Select(c => matcher.Append(c.ToString())));
        Assert.That(pieces, Is.EqualTo(whole).And.EqualTo("abc"));
    }

    [Test]
    public void EmptyStopSequence_IsRejected() =>
        Assert.That(() => new StopSequenceMatcher(["ok", ""]), Throws.ArgumentException.With.Message.Contains("empty"));
}
