namespace Qrt.Runtime.Text.Tokenization.PostProcessors;

/// <summary>Applies post-processors one after the other.</summary>
internal sealed class SequencePostProcessor(IReadOnlyList<IPostProcessor> processors) : IPostProcessor
{
    public List<int> Process(List<int> ids)
    {
        foreach (var processor in processors)
        {
            ids = processor.Process(ids);
        }

        return ids;
    }
}
