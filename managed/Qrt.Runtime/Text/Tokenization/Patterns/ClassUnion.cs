using System.Text;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>The members of one bracket class (an operand of <c>&amp;&amp;</c>), as .NET class items and one-character alternatives.</summary>
internal sealed class ClassUnion
{
    public StringBuilder Items { get; } = new();

    public List<string> Alternatives { get; } = [];

    public bool IsEmpty => Items.Length == 0 && Alternatives.Count == 0;

    /// <summary>A fragment matching one character of the union, or of its complement.</summary>
    public string Emit(bool negated)
    {
        if (Alternatives.Count == 0)
        {
            var items = Items.ToString();
            var singleProperty = items.StartsWith(@"\p{", StringComparison.Ordinal) || items.StartsWith(@"\P{", StringComparison.Ordinal);
            if (!negated && singleProperty && items.IndexOf('}') == items.Length - 1)
            {
                return items;
            }

            return (negated ? "[^" : "[") + items + "]";
        }

        var parts = new List<string>(Alternatives);
        if (Items.Length > 0)
        {
            parts.Insert(0, "[" + Items + "]");
        }

        var union = parts.Count == 1 ? parts[0] : "(?:" + string.Join('|', parts) + ")";
        return negated ? "(?:(?!" + union + ")(?s:.))" : union;
    }
}
