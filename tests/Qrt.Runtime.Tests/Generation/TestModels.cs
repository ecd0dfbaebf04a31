using Qrt.Runtime.Models;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>Builds a <see cref="QrtModel" /> around a <see cref="ScriptedLanguageModel" /> and the test tokenizer.</summary>
internal static class TestModels
{
    /// <summary>A chat template that writes BOS itself, as real templates do, then "[role]content" per message.</summary>
    public const string BracketTemplate =
        "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";

    public const string Directory = "/models/alphabet-test";

    public static ModelSummary Summary { get; } = new(
        "MistralForCausalLM", 123_456, 200_000, 150_000, [new LayerKindScheme("q_proj", "w4a16 (group 128)", 2), new LayerKindScheme("lm_head", "bf16", 1)]);

    public static ChatTemplate Template { get; } =
        ChatTemplate.Parse(BracketTemplate, "test template", new Dictionary<string, string> { ["bos_token"] = "<s>", ["eos_token"] = "</s>" });

    public static QrtModel Create(
        ICausalLanguageModel model, ChatTemplate? template = null, GenerationConfig? generation = null, IReadOnlyList<int>? configEosIds = null) =>
        new(Loaded(model, template, generation, configEosIds));

    public static LoadedTextModel Loaded(
        ICausalLanguageModel model, ChatTemplate? template = null, GenerationConfig? generation = null, IReadOnlyList<int>? configEosIds = null) =>
        new(Directory, model, Config(configEosIds ?? []), generation ?? GenerationConfig.Empty, TestTokenizer.Instance, template, Summary);

    public static TextModelConfig Config(IReadOnlyList<int> eosIds) => new()
    {
        Architecture = TextArchitecture.Mistral,
        VocabSize = TestTokenizer.VocabularySize,
        HiddenSize = 8,
        IntermediateSize = 16,
        LayerCount = 1,
        AttentionHeadCount = 2,
        KeyValueHeadCount = 1,
        HeadDim = 4,
        MaxPositionEmbeddings = 64,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        RopeScaling = RopeScaling.None,
        TieWordEmbeddings = false,
        QkvBias = false,
        OutputProjectionBias = false,
        MlpBias = false,
        SlidingWindow = null,
        EosTokenIds = eosIds,
    };
}
