namespace Qrt.Runtime.Text.Tokenization;

/// <summary>The characters a translated pattern names by value (literals and class members), gathered while it is parsed.</summary>
internal sealed class PatternLiterals
{
    private readonly List<(char First, char Last)> _ranges = [];

    public void Add(char first, char last) => _ranges.Add((first, last));

    /// <summary>The gathered ranges, sorted, with overlapping and adjacent ones joined.</summary>
    public List<(char First, char Last)> Merge()
    {
        _ranges.Sort();
        var merged = new List<(char First, char Last)>();
        foreach (var (first, last) in _ranges)
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, (char)Math.Max(last, merged[^1].Last));
            }
            else
            {
                merged.Add((first, last));
            }
        }

        return merged;
    }
}
