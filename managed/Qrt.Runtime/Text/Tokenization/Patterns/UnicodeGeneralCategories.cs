using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// General category names Oniguruma accepts in <c>\p{..}</c> (short and long aliases of PropertyValueAliases.txt,
/// compared case-insensitively without spaces, hyphens and underscores) and the .NET class items for each.
/// </summary>
internal static class UnicodeGeneralCategories
{
    private static readonly Dictionary<string, string[]> Categories = BuildGeneralCategories();

    /// <summary>Looks up a name as written between the braces of <c>\p{..}</c>.</summary>
    public static bool TryGet(ReadOnlySpan<char> writtenName, [NotNullWhen(true)] out string[]? categories)
    {
        var name = new StringBuilder();
        foreach (var c in writtenName)
        {
            if (c is not (' ' or '-' or '_'))
            {
                name.Append(char.ToLowerInvariant(c));
            }
        }

        return Categories.TryGetValue(name.ToString(), out categories);
    }

    private static Dictionary<string, string[]> BuildGeneralCategories()
    {
        (string[] Names, string[] Categories)[] aliases =
        [
            (["c", "other"], ["C"]), (["cc", "control"], ["Cc"]), (["cf", "format"], ["Cf"]),
            (["cn", "unassigned"], ["Cn"]), (["co", "privateuse"], ["Co"]), (["cs", "surrogate"], ["Cs"]),
            (["l", "letter"], ["L"]), (["lc", "casedletter"], ["Lu", "Ll", "Lt"]),
            (["ll", "lowercaseletter"], ["Ll"]), (["lm", "modifierletter"], ["Lm"]), (["lo", "otherletter"], ["Lo"]),
            (["lt", "titlecaseletter"], ["Lt"]), (["lu", "uppercaseletter"], ["Lu"]),
            (["m", "mark", "combiningmark"], ["M"]), (["mc", "spacingmark"], ["Mc"]),
            (["me", "enclosingmark"], ["Me"]), (["mn", "nonspacingmark"], ["Mn"]),
            (["n", "number"], ["N"]), (["nd", "decimalnumber"], ["Nd"]), (["nl", "letternumber"], ["Nl"]),
            (["no", "othernumber"], ["No"]),
            (["p", "punctuation"], ["P"]), (["pc", "connectorpunctuation"], ["Pc"]),
            (["pd", "dashpunctuation"], ["Pd"]), (["pe", "closepunctuation"], ["Pe"]),
            (["pf", "finalpunctuation"], ["Pf"]), (["pi", "initialpunctuation"], ["Pi"]),
            (["po", "otherpunctuation"], ["Po"]), (["ps", "openpunctuation"], ["Ps"]),
            (["s", "symbol"], ["S"]), (["sc", "currencysymbol"], ["Sc"]), (["sk", "modifiersymbol"], ["Sk"]),
            (["sm", "mathsymbol"], ["Sm"]), (["so", "othersymbol"], ["So"]),
            (["z", "separator"], ["Z"]), (["zl", "lineseparator"], ["Zl"]),
            (["zp", "paragraphseparator"], ["Zp"]), (["zs", "spaceseparator"], ["Zs"]),
        ];
        var table = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (names, categories) in aliases)
        {
            foreach (var name in names)
            {
                table.Add(name, categories);
            }
        }

        return table;
    }
}
