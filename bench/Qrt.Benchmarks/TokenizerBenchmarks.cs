using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.Tokenizers;
using QrtTokenizer = Qrt.Runtime.Text.Tokenizer;

namespace Qrt.Benchmarks;

/// <summary>
/// Encode throughput of Qrt's tokenizer for each kind it implements, on about 1 MB of text (generated English
/// prose with the tokenizer test corpus mixed in), and the time to encode a prompt of about 4096 tokens.
/// MB/s is the text's UTF-8 size (printed by the setup) over the time per operation.
/// </summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private QrtTokenizer _tokenizer = null!;
    private string _text = null!;
    private string _prompt = null!;

    /// <summary>qwen3: byte-level BPE + NFC; llama3: byte-level BPE with ignore_merges; llama2: SentencePiece BPE.</summary>
    [Params("qwen3", "llama3", "llama2")]
    public string Kind { get; set; } = "qwen3";

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = QrtTokenizer.Load(TokenizerBenchmarkFiles.Directory(Kind));
        _text = TokenizerBenchmarkText.Build(1_000_000);
        _prompt = TokenizerBenchmarkText.PrefixWithTokens(_text, 4096, text => _tokenizer.Encode(text, addSpecialTokens: false).Length);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// {Kind}: text {Encoding.UTF8.GetByteCount(_text)} UTF-8 bytes, {_tokenizer.Encode(_text, false).Length} tokens; prompt {Encoding.UTF8.GetByteCount(_prompt)} bytes, {_tokenizer.Encode(_prompt, false).Length} tokens"));
    }

    [Benchmark]
    public int EncodeOneMegabyte() => _tokenizer.Encode(_text, addSpecialTokens: false).Length;

    [Benchmark]
    public int EncodePromptOf4096Tokens() => _tokenizer.Encode(_prompt, addSpecialTokens: false).Length;
}
