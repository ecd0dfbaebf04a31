namespace Qrt.Runtime.Text.Tokenization.PostProcessors;

/// <summary>A tokenizer.json post-processor: adds the special tokens (BOS, EOS, CLS/SEP) around a sequence.</summary>
internal interface IPostProcessor
{
    /// <summary>Returns the sequence with its special tokens.</summary>
    List<int> Process(List<int> ids);
}
