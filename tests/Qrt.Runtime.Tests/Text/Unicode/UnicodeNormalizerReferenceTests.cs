using System.Text;
using System.Text.Json;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text.Unicode;

namespace Qrt.Runtime.Tests.Text.Unicode;

/// <summary>
/// The normalizer against ICU (String.prototype.normalize in node, through tests/reference-js/normalize.mjs), on
/// every code point assigned in the tables' Unicode version and on sequences that exercise the algorithm. ICU may
/// know a newer Unicode version; the normalization stability policy makes its results for the older version's
/// code points the same, which is why unassigned code points are left out.
/// </summary>
[TestFixture]
public sealed class UnicodeNormalizerReferenceTests
{
    private static readonly (UnicodeNormalForm Form, string Name)[] Forms =
    [
        (UnicodeNormalForm.Nfc, "NFC"),
        (UnicodeNormalForm.Nfd, "NFD"),
        (UnicodeNormalForm.Nfkc, "NFKC"),
        (UnicodeNormalForm.Nfkd, "NFKD"),
    ];

    [Test]
    public void Normalize_MatchesIcu_OnEveryAssignedCodePointAndOnSequences()
    {
        NormalizationCase[] cases =
        [
            .. NormalizationCorpus.EveryAssignedCodePoint(),
            .. NormalizationCorpus.Sequences(),
            .. NormalizationCorpus.RandomMixes(500),
        ];

        var expected = RunReference(cases);

        var failures = new List<string>();
        var comparisons = 0;
        for (var formIndex = 0; formIndex < Forms.Length; formIndex++)
        {
            var (form, name) = Forms[formIndex];
            for (var caseIndex = 0; caseIndex < cases.Length; caseIndex++)
            {
                var actual = CodeUnits(UnicodeNormalizer.Normalize(cases[caseIndex].Text, form));
                comparisons++;
                if (!actual.AsSpan().SequenceEqual(expected[formIndex][caseIndex]))
                {
                    failures.Add(
                        $"{name} of {cases[caseIndex].Label} [{Hex(CodeUnits(cases[caseIndex].Text))}]: "
                        + $"expected [{Hex(expected[formIndex][caseIndex])}], got [{Hex(actual)}]");
                }
            }
        }

        Assert.That(
            failures,
            Is.Empty,
            $"{failures.Count} of {comparisons} normalizations differ from ICU; the first ones:\n"
            + string.Join('\n', failures.Take(25)));
    }

    /// <summary>What ICU makes of each case, per form, as UTF-16 code units.</summary>
    private static int[][][] RunReference(NormalizationCase[] cases)
    {
        var request = JsonSerializer.Serialize(new
        {
            forms = Forms.Select(form => form.Name).ToArray(),
            texts = cases.Select(item => item.CodePoints).ToArray(),
        });
        using var reply = JsonDocument.Parse(JsReference.Run("normalize.mjs", request));
        var results = reply.RootElement.GetProperty("results");
        Assert.That(results.GetArrayLength(), Is.EqualTo(Forms.Length), "normalize.mjs gave a result list per form");

        return
        [
            .. results.EnumerateArray().Select(perForm =>
            {
                int[][] texts = [.. perForm.EnumerateArray().Select(units => units.EnumerateArray().Select(unit => unit.GetInt32()).ToArray())];
                Assert.That(texts, Has.Length.EqualTo(cases.Length), "normalize.mjs gave a result per text");
                return texts;
            }),
        ];
    }

    private static int[] CodeUnits(string text) => [.. text.Select(unit => (int)unit)];

    private static string Hex(int[] units)
    {
        var builder = new StringBuilder();
        foreach (var unit in units.Take(40))
        {
            builder.Append(builder.Length == 0 ? string.Empty : " ").Append(unit.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return units.Length > 40 ? builder.Append(" …").ToString() : builder.ToString();
    }
}
