using System.Collections.Concurrent;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Synthesis.Tokenizers;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Qrt against the real Hugging Face libraries, through the committed goldens of tests/reference/tokenizer_goldens.py.
/// A directory loaded with <see cref="Tokenizer.Load" /> must give what transformers' AutoTokenizer gives (the
/// reference implementation: its tokenizer classes and its decode are what users of a model get); tokenizer.json
/// read alone (<see cref="Tokenizer.FromFiles" /> without a tokenizer_config.json) must give what the Rust tokenizers
/// library gives for the same file. Covered: the three real tokenizers, every distinct synth tokenizer (written
/// again here, and checked to be the files the goldens were made from), and the real tokenizers with one setting
/// changed (tests/reference/inputs/tokenizer-variants.json).
/// </summary>
[TestFixture]
internal sealed class TokenizerGoldenTests
{
    private static readonly string[] Libraries = [TokenizerGoldens.Transformers, TokenizerGoldens.TokenizersLibrary];

    private static readonly ConcurrentDictionary<(string Directory, string Library), Lazy<Tokenizer>> Loaded = new();

    private static IEnumerable<string> GoldenNames => RealTokenizers.Names.Concat(TokenizerGoldens.SynthNames);

    private static IEnumerable<TestCaseData> Cases() =>
        from name in GoldenNames
        from library in Libraries
        from entry in TokenizerCorpus.InGoldens
        select new TestCaseData(name, library, entry).SetName($"{{m}}({name}, {library}, {entry.Name})");

    private static IEnumerable<TestCaseData> VariantCases() =>
        from name in TokenizerVariants.Names
        from library in Libraries
        from entry in TokenizerVariants.Entries
        select new TestCaseData(name, library, entry).SetName($"{{m}}({name}, {library}, {entry.Name})");

    private static IEnumerable<TestCaseData> GoldenNameCases() => GoldenNames.Select(name => new TestCaseData(name).SetName($"{{m}}({name})"));

    private static IEnumerable<TestCaseData> SynthCases() => TokenizerGoldens.SynthNames.Select(name => new TestCaseData(name).SetName($"{{m}}({name})"));

    [TestCaseSource(nameof(Cases))]
    public void Encode_GivesTheGoldenIds(string name, string library, CorpusEntry entry) =>
        AssertEncodeMatches(TokenizerGoldens.For(name), Load(DirectoryOf(name), library), library, entry);

    [TestCaseSource(nameof(Cases))]
    public void Decode_OfTheGoldenIds_GivesTheGoldenText(string name, string library, CorpusEntry entry) =>
        AssertDecodeMatches(TokenizerGoldens.For(name), Load(DirectoryOf(name), library), library, entry);

    [TestCaseSource(nameof(VariantCases))]
    public void Variant_Encode_GivesTheGoldenIds(string name, string library, CorpusEntry entry) =>
        AssertEncodeMatches(TokenizerGoldens.ForVariant(name), Load(TokenizerVariants.Directory(name), library), library, entry);

    [TestCaseSource(nameof(VariantCases))]
    public void Variant_Decode_OfTheGoldenIds_GivesTheGoldenText(string name, string library, CorpusEntry entry) =>
        AssertDecodeMatches(TokenizerGoldens.ForVariant(name), Load(TokenizerVariants.Directory(name), library), library, entry);

    [TestCaseSource(nameof(GoldenNameCases))]
    public void Golden_HoldsEveryCorpusEntryTheLibrariesCanTake(string name)
    {
        var expected = TokenizerCorpus.InGoldens.Select(entry => entry.Name).Order(StringComparer.Ordinal);
        foreach (var library in Libraries)
        {
            Assert.That(TokenizerGoldens.For(name).EntryNames(library).Order(StringComparer.Ordinal), Is.EqualTo(expected), $"{library}: regenerate the goldens");
        }
    }

    [Test]
    public void Goldens_LeaveOutExactlyTheEntriesTheCorpusExcludes()
    {
        var excluded = TokenizerGoldens.Manifest.GetProperty("excluded_entries").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString());
        var expected = TokenizerCorpus.Entries.Where(entry => entry.ExcludedFromGoldens is not null).ToDictionary(e => e.Name, e => e.ExcludedFromGoldens);

        Assert.That(excluded, Is.EquivalentTo(expected));
        Assert.That(TokenizerGoldens.VariantNames.Order(StringComparer.Ordinal), Is.EqualTo(TokenizerVariants.Names.Order(StringComparer.Ordinal)));
    }

    [TestCaseSource(nameof(SynthCases))]
    public void SynthTokenizer_WrittenNow_IsTheOneTheGoldensWereMadeFrom(string name)
    {
        // A change to the synth tokenizer (its training, vocabulary or files) shows here first: the goldens then
        // describe other files and must be regenerated with tests/reference/make-tokenizer-goldens.sh.
        var recorded = TokenizerGoldens.Manifest.GetProperty("tokenizers").GetProperty(name).GetProperty("files_sha256");
        var directory = SynthTokenizers.Directory(name);
        foreach (var file in SynthTokenizers.FileNames)
        {
            Assert.That(
                SynthTokenizers.Sha256(directory, file),
                Is.EqualTo(recorded.GetProperty(file).GetString()),
                $"{name}: {file} differs from the one the goldens were made from; regenerate them");
        }
    }

    [Test]
    public void EverySynthArchitectureAndSize_HasItsTokenizerInTheGoldens()
    {
        // The manifest lists, for each synth tokenizer, the other combinations that write the same files. They do so
        // because the files depend on the chat format and the vocabulary size alone (SyntheticCheckpoint.Vocabulary).
        var covered = new Dictionary<(SyntheticArchitecture, SyntheticSize), string>();
        foreach (var name in TokenizerGoldens.SynthNames)
        {
            var made = SynthTokenizers.MadeWith(name);
            var same = TokenizerGoldens.Manifest.GetProperty("tokenizers").GetProperty(name).GetProperty("same_files_for").EnumerateArray()
                .Select(item => item.GetString()!.Split(' ')).Select(parts => SynthTokenizers.Parse(parts[0], parts[1]));
            foreach (var combination in same.Prepend(made))
            {
                Assert.That(covered.TryAdd(combination, name), Is.True, $"{combination} is claimed by {name} and {covered.GetValueOrDefault(combination)}");
                Assert.That(ChatFormat.For(combination.Architecture), Is.SameAs(ChatFormat.For(made.Architecture)), $"{combination} in {name}");
                Assert.That(
                    ModelDimensions.For(combination.Architecture, combination.Size).VocabSize,
                    Is.EqualTo(ModelDimensions.For(made.Architecture, made.Size).VocabSize),
                    $"{combination} in {name}");
            }
        }

        // Pixtral-12B's real shapes are a speed-measurement size (random weights at the real dimensions); their
        // tokenizer is the same synthetic construction the goldens cover, at 131072 ids.
        var all = from architecture in Enum.GetValues<SyntheticArchitecture>()
                  from size in Enum.GetValues<SyntheticSize>()
                  where size != SyntheticSize.Pixtral12B
                  select (architecture, size);
        Assert.That(covered.Keys, Is.EquivalentTo(all));
    }

    private static void AssertEncodeMatches(GoldenTokenization golden, Tokenizer tokenizer, string library, CorpusEntry entry)
    {
        foreach (var addSpecialTokens in new[] { true, false })
        {
            var expected = golden.Encoding(library, entry, addSpecialTokens).Ids;
            var actual = tokenizer.Encode(entry.Text, addSpecialTokens);
            Assert.That(Mismatch.InIds(tokenizer, entry, expected, actual), Is.Null, $"{golden.Name}, {library}, addSpecialTokens: {addSpecialTokens}");
        }
    }

    private static void AssertDecodeMatches(GoldenTokenization golden, Tokenizer tokenizer, string library, CorpusEntry entry)
    {
        foreach (var addSpecialTokens in new[] { true, false })
        {
            var expected = golden.Encoding(library, entry, addSpecialTokens);
            var what = $"{golden.Name}, {library}: decode of the ids {(addSpecialTokens ? "with" : "without")} special tokens";
            Assert.That(Mismatch.InText(entry, what, expected.Decoded, tokenizer.Decode(expected.Ids)), Is.Null);
            Assert.That(
                Mismatch.InText(entry, what + " (skipSpecialTokens)", expected.DecodedSkippingSpecial, tokenizer.Decode(expected.Ids, skipSpecialTokens: true)),
                Is.Null);
        }
    }

    private static string DirectoryOf(string name) =>
        RealTokenizers.Names.Contains(name) ? RealTokenizers.Directory(name) : SynthTokenizers.Directory(name);

    /// <summary>The directory as transformers loads it, or its tokenizer.json alone as the tokenizers library reads it.</summary>
    private static Tokenizer Load(string directory, string library) =>
        Loaded.GetOrAdd((directory, library), key => new Lazy<Tokenizer>(() => key.Library == TokenizerGoldens.Transformers
            ? Tokenizer.Load(key.Directory)
            : Tokenizer.FromFiles(Path.Combine(key.Directory, "tokenizer.json")))).Value;
}
