namespace Qrt.Runtime.Text.Tokenization.Normalizers;

/// <summary>A tokenizer.json normalizer: rewrites text before it is split into words.</summary>
internal interface INormalizer
{
    string Normalize(string text);
}
