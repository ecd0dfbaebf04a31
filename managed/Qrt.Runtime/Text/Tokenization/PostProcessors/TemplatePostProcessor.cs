namespace Qrt.Runtime.Text.Tokenization.PostProcessors;

/// <summary>
/// tokenizer.json's "TemplateProcessing" for single sequences, e.g. <c>&lt;s&gt; $A</c>: each item is
/// either the sequence or a special token's ids.
/// </summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<int[]?> items) : IPostProcessor
{
    /// <summary>The template: null items stand for the sequence, the others are special-token ids.</summary>
    public IReadOnlyList<int[]?> Items => items;

    public List<int> Process(List<int> ids)
    {
        var result = new List<int>(ids.Count + items.Count);
        foreach (var item in items)
        {
            if (item is null)
            {
                result.AddRange(ids);
            }
            else
            {
                result.AddRange(item);
            }
        }

        return result;
    }
}
