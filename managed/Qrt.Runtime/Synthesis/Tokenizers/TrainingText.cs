namespace Qrt.Runtime.Synthesis.Tokenizers;

/// <summary>The English text the synthetic tokenizer's merges are learned from.</summary>
internal static class TrainingText
{
    /// <summary>A few paragraphs about the project's own subject, with common words, punctuation and digits.</summary>
    public const string Text = """
        The model reads a prompt, turns it into tokens, and predicts the next token one step at a time. Each step
        runs the same layers: attention looks back over the tokens that came before, and a small network of
        gates and projections mixes what it found. When the model is quantized, the weights of those projections
        are stored in four or eight bits with a scale for each group, and the kernels turn them back into numbers
        as they multiply. The answer should be almost the same as with the full weights, and the memory it needs
        is a quarter or a half of what it was.

        This checkpoint was written by a program, not trained. Its weights are random numbers, so the text it
        generates means nothing at all; but its files have the same names, shapes and types as the files of a
        real model, and the same tokenizer rules. That makes it a good test: if the runtime loads this model and
        produces tokens, it will load the real one too. The tokenizer was learned from these few paragraphs, so it
        knows words like model, token, weight, layer, scale and group, and it spells everything else byte by byte.

        There are 4 architectures and 9 schemes, for 36 models in all. A tiny one has 2 layers and 128 features;
        a small one has 16 layers and 1024 features. Write one, then ask it a question: what is the capital of
        France? It will answer with random words, and that is fine. What matters is that the answer arrives, that
        it stops when it should, and that the same seed gives the same words every time.
        """;
}
