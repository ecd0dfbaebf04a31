using Qrt.Runtime.Text.Tokenization.AddedTokens;
using Qrt.Runtime.Text.Tokenization.Decoders;
using Qrt.Runtime.Text.Tokenization.Models;
using Qrt.Runtime.Text.Tokenization.PostProcessors;
using Qrt.Runtime.Text.Tokenization.PreTokenizers;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// The stages of a tokenizer.json, run in the reference order: added tokens are cut out of the raw text, the
/// rest is normalized (and searched for normalized added tokens), pre-tokenized into words, and each word
/// is byte-pair encoded; the post-processor then adds special tokens. Decoding maps ids to token strings and
/// runs the decoder chain.
/// </summary>
internal sealed record TokenizerPipeline(
    AddedVocabulary AddedVocabulary,
    IPreTokenizer? PreTokenizer,
    BpeModel Model,
    IPostProcessor? PostProcessor,
    ITokenDecoder? Decoder)
{
    /// <summary>The id of a token string: added tokens first, then the model's vocabulary.</summary>
    public int? TokenToId(string token) => AddedVocabulary.ByContent(token)?.Id ?? Model.TokenToId(token);

    /// <summary>The token string of an id: added tokens first, then the model's vocabulary.</summary>
    public string? IdToToken(int id) => AddedVocabulary.ById(id)?.Content ?? Model.IdToToken(id);

    public List<int> Encode(string text, bool addSpecialTokens)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        var pieces = new List<PreToken>();
        var words = new List<(int Start, int Length)>();
        foreach (var segment in AddedVocabulary.Split(text))
        {
            if (segment.AddedToken is { } token)
            {
                ids.Add(token.Id);
                continue;
            }

            if (segment.Text.Length == 0)
            {
                continue;
            }

            if (PreTokenizer is ByteLevelWordSplitter splitter)
            {
                words.Clear();
                splitter.FindWords(segment.Text, words);
                foreach (var (start, length) in words)
                {
                    Model.TokenizeByteLevel(segment.Text.AsSpan(start, length), ids);
                }

                continue;
            }

            if (PreTokenizer is null)
            {
                Model.Tokenize(segment.Text, ids);
                continue;
            }

            pieces.Clear();
            PreTokenizer.Split(new PreToken(segment.Text, segment.AtOrigin), pieces);
            foreach (var piece in pieces)
            {
                Model.Tokenize(piece.Text, ids);
            }
        }

        return addSpecialTokens && PostProcessor is { } post ? post.Process(ids) : ids;
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            var added = AddedVocabulary.ById(id);
            if (added is not null)
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    tokens.Add(added.Content);
                }

                continue;
            }

            // Ids with no token (e.g. the padding rows of an embedding matrix) decode to nothing, as in the reference.
            if (Model.IdToToken(id) is { } token)
            {
                tokens.Add(token);
            }
        }

        return Decoder is null ? string.Join(' ', tokens) : string.Concat(Decoder.DecodeChain(tokens));
    }
}
