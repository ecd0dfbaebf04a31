namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>Applies pre-tokenizers one after the other, each to every piece the previous one produced.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> stages) : IPreTokenizer
{
    public void Split(PreToken piece, List<PreToken> output)
    {
        List<PreToken> current = [piece];
        foreach (var stage in stages)
        {
            var next = new List<PreToken>(current.Count * 2);
            foreach (var part in current)
            {
                stage.Split(part, next);
            }

            current = next;
        }

        output.AddRange(current);
    }
}
