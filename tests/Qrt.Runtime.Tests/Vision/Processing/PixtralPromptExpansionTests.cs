using System.Text.Json.Nodes;
using Qrt.Runtime.Tests.Text.Tokenizers;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>Expansion of [IMG] placeholders, against hand-written ids and against expanding the text first as the
/// reference processor does.</summary>
[TestFixture]
internal sealed class PixtralPromptExpansionTests
{
    private const int Img = 258, ImgBreak = 259, ImgEnd = 260;
    private static readonly PixtralImageTokenIds Ids = new(Img, ImgBreak, ImgEnd);

    [Test]
    public void Expand_ReplacesEachPlaceholderWithItsOwnImagesLayout()
    {
        // Image 1: 2 rows × 3 columns; image 2: 1 row × 2 columns.
        int[] prompt = [1, 7, Img, 8, Img, 9];
        int[] expected = [1, 7, Img, Img, Img, ImgBreak, Img, Img, Img, ImgEnd, 8, Img, Img, ImgEnd, 9];
        Assert.That(PixtralPromptExpansion.Expand(prompt, [(2, 3), (1, 2)], Ids), Is.EqualTo(expected));
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Expand_WithAnotherNumberOfImagesThanPlaceholders_IsRefused(int images)
    {
        var grids = Enumerable.Repeat((1, 1), images).ToList();
        var error = Assert.Throws<ArgumentException>(() => PixtralPromptExpansion.Expand([Img, 5, Img], grids, Ids));
        Assert.That(error!.Message, Does.Contain("2 image placeholder").And.Contain($"{images} image(s)"));
    }

    [Test]
    public void Expand_OfTokenIds_EqualsTokenizingTheExpandedText()
    {
        using var files = new SmallTokenizerFiles();
        var json = SmallTokenizerFiles.ValidTokenizerJson();
        var added = (JsonArray)json["added_tokens"]!;
        added.Add(SmallTokenizerFiles.AddedToken(Img, "[IMG]"));
        added.Add(SmallTokenizerFiles.AddedToken(ImgBreak, "[IMG_BREAK]"));
        added.Add(SmallTokenizerFiles.AddedToken(ImgEnd, "[IMG_END]"));
        files.WriteTokenizerJson(json);
        var tokenizer = Tokenizer.FromFiles(files.TokenizerJsonPath);

        const string prompt = "<s>[INST]ab [IMG]\nWhat is[IMG]ab?[/INST]";
        // The reference's text expansion: image 1 has 2 × 3 patches, image 2 has 3 × 1.
        const string image1 = "[IMG][IMG][IMG][IMG_BREAK][IMG][IMG][IMG][IMG_END]";
        const string image2 = "[IMG][IMG_BREAK][IMG][IMG_BREAK][IMG][IMG_END]";
        var expandedText = "<s>[INST]ab " + image1 + "\nWhat is" + image2 + "ab?[/INST]";

        var fromText = tokenizer.Encode(expandedText, addSpecialTokens: false);
        var fromIds = PixtralPromptExpansion.Expand(tokenizer.Encode(prompt, addSpecialTokens: false), [(2, 3), (3, 1)], Ids);
        Assert.That(fromIds, Is.EqualTo(fromText));
        Assert.That(fromIds.Count(id => id == Img), Is.EqualTo(9), "6 + 3 patches");
    }
}
