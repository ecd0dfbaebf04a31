using System.Globalization;
using System.Text;
using Qrt.Runtime.Tests.Text.Tokenizers;

namespace Qrt.Benchmarks;

/// <summary>The benchmark text: seeded English prose with the tokenizer test corpus mixed in.</summary>
internal static class TokenizerBenchmarkText
{
    private static readonly string[] Words =
    [
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he",
        "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their",
        "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so",
        "no", "model", "tokenizer", "runtime", "kernel", "memory", "bandwidth", "quantized", "weights", "prompt",
        "generation", "throughput", "latency", "sequence", "vocabulary", "merge", "encoder", "decoder", "attention",
        "layer", "matrix", "vector", "between", "through", "without", "although", "because", "however", "therefore",
        "measurement", "benchmark", "experiment", "result", "figure", "table", "section", "chapter", "example",
        "language", "English", "French", "German", "question", "answer", "system", "user", "assistant", "message",
        "image", "picture", "document", "reading", "writing", "thinking", "running", "jumped", "walked", "quickly",
        "slowly", "carefully", "Monday", "January", "London", "Paris", "Tokyo", "isn't", "don't", "we'll", "they've",
        "state-of-the-art", "e.g.", "i.e.", "etc.", "(see", "above)", "\"quoted\"", "well-known", "re-encode",
    ];

    /// <summary>At least <paramref name="minimumChars" /> characters, the same on every run.</summary>
    public static string Build(int minimumChars)
    {
        var random = new Random(20261123);
        var entries = TokenizerCorpus.Entries.Where(e => e.Text.Length > 0 && TokenizerCorpus.IsWellFormedUtf16(e.Text)).ToArray();
        var text = new StringBuilder(minimumChars + 4096);
        for (var paragraph = 0; text.Length < minimumChars; paragraph++)
        {
            var sentences = random.Next(3, 9);
            for (var s = 0; s < sentences; s++)
            {
                AppendSentence(text, random);
            }

            text.Append("\n\n").Append(entries[paragraph % entries.Length].Text).Append("\n\n");
        }

        return text.ToString();
    }

    /// <summary>The shortest prefix of <paramref name="text" /> that encodes to at least <paramref name="tokens" /> tokens.</summary>
    public static string PrefixWithTokens(string text, int tokens, Func<string, int> count)
    {
        int low = 0, high = text.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (count(text[..middle]) >= tokens)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return text[..low];
    }

    private static void AppendSentence(StringBuilder text, Random random)
    {
        var length = random.Next(6, 19);
        for (var w = 0; w < length; w++)
        {
            var word = random.Next(12) == 0
                ? random.Next(100_000).ToString(CultureInfo.InvariantCulture)
                : Words[random.Next(Words.Length)];
            if (w == 0)
            {
                word = char.ToUpperInvariant(word[0]) + word[1..];
            }
            else
            {
                text.Append(random.Next(10) == 0 ? ", " : " ");
            }

            text.Append(word);
        }

        text.Append(".?!."[random.Next(4)]).Append(' ');
    }
}
