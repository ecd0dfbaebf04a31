using System.Text;
using System.Text.RegularExpressions;
using Qrt.Runtime.Text.Tokenization;

namespace Qrt.Runtime.Synthesis.Tokenizers;

/// <summary>
/// Learns byte-level BPE merges from a text, deterministically: the text is cut into words by the
/// pre-tokenizer regex, each word spelled in GPT-2's byte alphabet, and the most frequent adjacent pair of
/// symbols is merged until the wanted number of merges is reached or every word is a single symbol. Ties go to
/// the ordinally smallest pair, so the result depends only on the text and the count.
/// </summary>
internal static class BpeTrainer
{
    /// <summary>Up to <paramref name="maxMerges" /> merges, best first, as (left, right) symbol pairs.</summary>
    public static IReadOnlyList<(string Left, string Right)> Learn(string text, string pattern, int maxMerges)
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in Regex.Matches(text, pattern, RegexOptions.CultureInvariant))
        {
            var spelled = Spell(match.Value);
            words[spelled] = words.GetValueOrDefault(spelled) + 1;
        }

        var symbols = words.Keys.Order(StringComparer.Ordinal).Select(word => (Symbols: word.Select(c => c.ToString()).ToList(), Count: words[word])).ToList();
        var merges = new List<(string, string)>();
        while (merges.Count < maxMerges)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (parts, count) in symbols)
            {
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    pairs[(parts[i], parts[i + 1])] = pairs.GetValueOrDefault((parts[i], parts[i + 1])) + count;
                }
            }

            if (pairs.Count == 0)
            {
                break;
            }

            var best = pairs
                .OrderByDescending(pair => pair.Value)
                .ThenBy(pair => pair.Key.Item1, StringComparer.Ordinal)
                .ThenBy(pair => pair.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            merges.Add(best);
            foreach (var (parts, _) in symbols)
            {
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    if (parts[i] == best.Item1 && parts[i + 1] == best.Item2)
                    {
                        parts[i] = best.Item1 + best.Item2;
                        parts.RemoveAt(i + 1);
                    }
                }
            }
        }

        return merges;
    }

    /// <summary>A word's UTF-8 bytes in the byte-level alphabet (space is "Ġ").</summary>
    public static string Spell(string word)
    {
        var bytes = Encoding.UTF8.GetBytes(word);
        var chars = new char[bytes.Length];
        ByteLevelAlphabet.Spell(bytes, chars);
        return new string(chars);
    }
}
