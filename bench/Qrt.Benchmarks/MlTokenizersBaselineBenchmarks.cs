using System.Globalization;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.Tokenizers;
using Qrt.Runtime.Tests.Text.Tokenizers;
using QrtTokenizer = Qrt.Runtime.Text.Tokenizer;

namespace Qrt.Benchmarks;

/// <summary>
/// Microsoft.ML.Tokenizers 2.0 beside Qrt on the same text, for the tokenizers it can be built for from
/// tokenizer.json: Qwen3 as a byte-level <see cref="BpeTokenizer" /> with a <see cref="RegexPreTokenizer" />,
/// Llama 3 as a <see cref="TiktokenTokenizer" /> whose ranks are the vocabulary ids. (Its SentencePiece
/// tokenizer reads only the protobuf tokenizer.model, which the Llama 2 files here do not have.) The setup
/// prints on which corpus entries its ids differ from Qrt's, whose ids the tests hold to the reference.
/// </summary>
[MemoryDiagnoser]
public class MlTokenizersBaselineBenchmarks
{
    private QrtTokenizer _qrt = null!;
    private Tokenizer _ml = null!;
    private string _text = null!;

    /// <summary>The tokenizers Microsoft.ML.Tokenizers can be built for.</summary>
    [Params("qwen3", "llama3")]
    public string Kind { get; set; } = "qwen3";

    [GlobalSetup]
    public void Setup()
    {
        var directory = TokenizerBenchmarkFiles.Directory(Kind);
        _qrt = QrtTokenizer.Load(directory);
        _ml = Kind == "qwen3" ? MlTokenizerFactory.ByteLevelBpe(directory) : MlTokenizerFactory.Tiktoken(directory);
        _text = TokenizerBenchmarkText.Build(1_000_000);
        ReportParity();
    }

    [Benchmark(Baseline = true)]
    public int Qrt() => _qrt.Encode(_text, addSpecialTokens: false).Length;

    [Benchmark]
    public int MicrosoftMLTokenizers() => _ml.EncodeToIds(_text).Count;

    private void ReportParity()
    {
        var entries = TokenizerCorpus.Entries.Where(e => TokenizerCorpus.IsWellFormedUtf16(e.Text)).ToList();
        var differing = entries
            .Where(e => !_ml.EncodeToIds(e.Text).SequenceEqual(_qrt.Encode(e.Text, addSpecialTokens: false)))
            .Select(e => e.Name)
            .ToList();
        var wholeText = _ml.EncodeToIds(_text).SequenceEqual(_qrt.Encode(_text, addSpecialTokens: false));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// {Kind}: Microsoft.ML.Tokenizers ids equal Qrt's on {entries.Count - differing.Count} of {entries.Count} well-formed corpus entries; differ on: {string.Join(", ", differing)}; whole benchmark text equal: {wholeText}"));
    }
}
