using System.Buffers.Binary;
using System.Diagnostics;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary>
/// The Pixtral (Llava) and Qwen2-VL checkpoints at tiny size, in every scheme: exactly the language model's tensors
/// plus the vision plan's, the tower and projector BF16 and unquantized whatever the scheme, and a config.json
/// that reads back through the runtime's vision and text config readers with the intended values.
/// </summary>
[TestFixture]
internal sealed class VisionLanguageCheckpointTests
{
    [TestCaseSource(typeof(SyntheticFixtures), nameof(SyntheticFixtures.VisionLanguageCombinations))]
    public void TinyCheckpoint_HoldsExactlyTheTextModelAndTheVisionPlan(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var timer = Stopwatch.StartNew();
        var (directory, _) = SyntheticFixtures.WriteTiny(architecture, scheme);
        using var _ = directory;
        var elapsed = timer.Elapsed;

        var root = Root(directory);
        var quantization = QuantizationConfig.Read(root);
        var pixtral = architecture == SyntheticArchitecture.Pixtral;
        var prefix = pixtral ? "language_model." : string.Empty;
        var text = TextModelConfig.Read(pixtral ? root.RequiredProperty("text_config") : root);
        var textPlan = TextArchitectures.For(text.Architecture).Plan(text);
        var textSchemes = textPlan.Linears().ToDictionary(linear => linear.Name, linear => quantization.Resolve(prefix + linear.Name), StringComparer.Ordinal);
        var expected = PlanExpectations.Build(textPlan, textSchemes).ToDictionary(pair => prefix + pair.Key, pair => pair.Value, StringComparer.Ordinal);
        var (visionExpected, visionSchemes) = VisionExpectations(root, quantization, pixtral, text.HiddenSize);
        foreach (var (name, expectation) in visionExpected)
        {
            expected.Add(name, expectation);
        }

        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "a tiny fixture writes in under a second");
            Assert.That(() => checkpoint.RequireExactly(expected), Throws.Nothing);
            Assert.That(checkpoint.Names, Is.EquivalentTo(expected.Keys));
            Assert.That(textPlan.LmHead, Is.Not.Null, "lm_head is stored (untied)");
            foreach (var (layer, resolved) in textSchemes)
            {
                var intended = layer == "lm_head" ? DenseScheme.Instance : SyntheticCheckpointTests.ExpectedScheme(scheme);
                Assert.That(resolved, Is.EqualTo(intended), prefix + layer);
            }

            foreach (var (layer, resolved) in visionSchemes)
            {
                Assert.That(resolved, Is.EqualTo(DenseScheme.Instance), layer);
            }

            Assert.That(visionSchemes, Has.Count.EqualTo(pixtral ? (2 * 7) + 2 : (2 * 4) + 2), "linears of 2 blocks and the projector or merger");
            foreach (var name in visionExpected.Keys)
            {
                Assert.That(checkpoint.Get(name).DType, Is.EqualTo(SafetensorsDType.BF16), name);
            }
        }
    }

    [Test]
    public void Pixtral_Bf16_HasTheReleasedTensorNamesAndShapes()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Pixtral, SyntheticScheme.Bf16);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);

        // Text: embed, norm, lm_head, and per layer 2 norms + 7 linears; vision: patch_conv, ln_pre, per block
        // 2 norms + 7 linears, and the projector's 2 weights and 2 biases.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checkpoint.Names, Has.Count.EqualTo(3 + (2 * 9) + 2 + (2 * 9) + 4));
            Assert.That(checkpoint.Names.Where(name => name.StartsWith("model.", StringComparison.Ordinal) || name.StartsWith("lm_head", StringComparison.Ordinal)), Is.Empty);
            foreach (var described in new[]
            {
                "language_model.model.embed_tokens.weight BF16 [512, 128]",
                "language_model.lm_head.weight BF16 [512, 128]",
                "language_model.model.layers.1.self_attn.q_proj.weight BF16 [192, 128]",
                "vision_tower.patch_conv.weight BF16 [64, 3, 16, 16]",
                "vision_tower.ln_pre.weight BF16 [64]",
                "vision_tower.transformer.layers.1.attention.k_proj.weight BF16 [64, 64]",
                "vision_tower.transformer.layers.1.feed_forward.down_proj.weight BF16 [64, 128]",
                "multi_modal_projector.linear_1.weight BF16 [128, 64]",
                "multi_modal_projector.linear_1.bias BF16 [128]",
                "multi_modal_projector.linear_2.weight BF16 [128, 128]",
            })
            {
                var name = described[..described.IndexOf(' ', StringComparison.Ordinal)];
                Assert.That(checkpoint.TryGet(name, out var entry) ? entry.ToString() : "absent", Is.EqualTo(described));
            }

            Assert.That(Bf16(checkpoint, "vision_tower.ln_pre.weight"), Is.All.EqualTo(1f), "RMSNorm weights start at one");
        }
    }

    [Test]
    public void Qwen2Vl_Bf16_HasTheReleasedTensorNamesAndShapes()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.Bf16);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var normBias = Bf16(checkpoint, "visual.blocks.0.norm1.bias");

        // Text: embed, norm, lm_head, per layer 2 norms + 7 linears + 3 q/k/v biases; vision: patch_embed, per block
        // 4 norm tensors + 4 linears with biases, ln_q weight and bias, the merger MLP's 2 weights and 2 biases.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checkpoint.Names, Has.Count.EqualTo(3 + (2 * 12) + 1 + (2 * 12) + 2 + 4));
            foreach (var described in new[]
            {
                "lm_head.weight BF16 [512, 128]",
                "model.layers.0.self_attn.k_proj.bias BF16 [64]",
                "visual.patch_embed.proj.weight BF16 [64, 3, 2, 14, 14]",
                "visual.blocks.1.norm2.weight BF16 [64]",
                "visual.blocks.1.attn.qkv.weight BF16 [192, 64]",
                "visual.blocks.1.attn.qkv.bias BF16 [192]",
                "visual.blocks.1.attn.proj.weight BF16 [64, 64]",
                "visual.blocks.0.mlp.fc1.weight BF16 [128, 64]",
                "visual.blocks.0.mlp.fc2.weight BF16 [64, 128]",
                "visual.merger.ln_q.bias BF16 [64]",
                "visual.merger.mlp.0.weight BF16 [256, 256]",
                "visual.merger.mlp.2.weight BF16 [128, 256]",
                "visual.merger.mlp.2.bias BF16 [128]",
            })
            {
                var name = described[..described.IndexOf(' ', StringComparison.Ordinal)];
                Assert.That(checkpoint.TryGet(name, out var entry) ? entry.ToString() : "absent", Is.EqualTo(described));
            }

            Assert.That(Bf16(checkpoint, "visual.merger.ln_q.weight"), Is.All.EqualTo(1f), "LayerNorm weights start at one");
            Assert.That(normBias.Max(Math.Abs), Is.GreaterThan(0f).And.LessThan(0.1f), "LayerNorm biases are small and not all zero");
        }
    }

    [Test]
    public void Pixtral_ConfigReadsBack_AndTheImageTokenIsTheTokenizers()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Pixtral, SyntheticScheme.W8A8Int8);
        using var _ = directory;
        var root = Root(directory);
        var llava = LlavaVisionConfig.Read(root);
        var text = TextModelConfig.Read(root.RequiredProperty("text_config"));
        var tokenizer = Tokenizer.Load(directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.RequiredProperty("architectures").Items().Single().AsString(), Is.EqualTo("LlavaForConditionalGeneration"));
            Assert.That(root.RequiredProperty("text_config").Property("architectures").IsNull, Is.True, "text_config names no class");
            Assert.That(llava.Vision, Is.EqualTo(new PixtralVisionConfig(64, 128, 2, 2, 32, 16, 1024, 10000.0)));
            Assert.That((llava.FeatureLayer, llava.ProjectorBias), Is.EqualTo((-1, true)));
            Assert.That(text.Architecture, Is.EqualTo(TextArchitecture.Mistral));
            Assert.That((text.HiddenSize, text.HeadDim, text.LayerCount, text.VocabSize), Is.EqualTo((128, 48, 2, 512)));
            Assert.That((text.TieWordEmbeddings, text.SlidingWindow), Is.EqualTo((false, (int?)null)));
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(512));
            Assert.That(root.RequiredProperty("image_token_index").AsInt(), Is.EqualTo(tokenizer.TokenToId("[IMG]")));
            foreach (var token in new[] { "[IMG]", "[IMG_BREAK]", "[IMG_END]" })
            {
                var id = tokenizer.TokenToId(token);
                Assert.That(id, Is.Not.Null, token);
                Assert.That(tokenizer.IsSpecial(id!.Value), Is.True, token);
                Assert.That(tokenizer.Encode($"a{token}b", addSpecialTokens: false), Does.Contain(id.Value), $"{token} is one id inside text");
            }

            Assert.That(text.BosTokenId, Is.EqualTo(tokenizer.TokenToId("<s>")));
            Assert.That(text.EosTokenIds, Is.EqualTo(new[] { tokenizer.TokenToId("</s>")!.Value }));
        }
    }

    [Test]
    public void Qwen2Vl_ConfigReadsBack_AndTheVisionTokensAreTheTokenizers()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.W4A16ActOrder);
        using var _ = directory;
        var root = Root(directory);
        var vision = Qwen2VlVisionConfig.Read(root.RequiredProperty("vision_config"));
        var text = TextModelConfig.Read(root);
        var tokenizer = Tokenizer.Load(directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.RequiredProperty("architectures").Items().Single().AsString(), Is.EqualTo("Qwen2VLForConditionalGeneration"));
            Assert.That(root.RequiredProperty("model_type").AsString(), Is.EqualTo("qwen2_vl"));

            // Depth 2, embed 64, merger out 128 (the text hidden), QuickGELU, MLP 64 x 2, 2 heads of 32, RGB, 14, 2, 2.
            Assert.That(vision, Is.EqualTo(new Qwen2VlVisionConfig(2, 64, 128, Activation.QuickGelu, 128, 2, 32, 3, 14, 2, 2)));
            Assert.That(text.Architecture, Is.EqualTo(TextArchitecture.Qwen2));
            Assert.That((text.HiddenSize, text.HeadDim, text.LayerCount, text.VocabSize), Is.EqualTo((128, 32, 2, 512)));
            Assert.That((text.TieWordEmbeddings, text.QkvBias), Is.EqualTo((false, true)));
            Assert.That(text.RopeScaling.MultimodalSections, Is.EqualTo(new[] { 4, 6, 6 }), "16 : 24 : 24 of head_dim / 2 = 16");
            foreach (var (key, token) in new[]
            {
                ("vision_start_token_id", "<|vision_start|>"), ("vision_end_token_id", "<|vision_end|>"), ("vision_token_id", "<|vision_pad|>"),
                ("image_token_id", "<|image_pad|>"), ("video_token_id", "<|video_pad|>"),
            })
            {
                var id = tokenizer.TokenToId(token);
                Assert.That(id, Is.Not.Null, token);
                Assert.That(root.RequiredProperty(key).AsInt(), Is.EqualTo(id), key);
                Assert.That(tokenizer.IsSpecial(id!.Value), Is.True, token);
            }

            Assert.That(text.EosTokenIds, Is.EqualTo(new[] { tokenizer.TokenToId("<|im_end|>")!.Value }));
        }
    }

    [Test]
    public void CustomTextDimensions_GetTheStandardTowerOfTheSize()
    {
        var dims = new ModelDimensions(VocabSize: 400, HiddenSize: 64, IntermediateSize: 96, LayerCount: 1, AttentionHeadCount: 2, KeyValueHeadCount: 1, HeadDim: 32, ExpertCount: 2, ExpertsPerToken: 1, GroupSize: 32);
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.Bf16, dimensions: dims);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checkpoint.Get("visual.patch_embed.proj.weight").ToString(), Is.EqualTo("visual.patch_embed.proj.weight BF16 [64, 3, 2, 14, 14]"));
            Assert.That(checkpoint.Get("visual.merger.mlp.2.weight").ToString(), Is.EqualTo("visual.merger.mlp.2.weight BF16 [64, 256]"), "the merger feeds the 64-wide text model");
            Assert.That(TextModelConfig.Read(Root(directory)).RopeScaling.MultimodalSections, Is.EqualTo(new[] { 4, 6, 6 }));
        }
    }

    [Test]
    public void StandardSizes_UseTheReleasedTowers()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ModelDimensions.For(SyntheticArchitecture.Pixtral, SyntheticSize.Small).Vision, Is.EqualTo(new VisionDimensions(1024, 24, 16, 4096)));
            Assert.That(ModelDimensions.For(SyntheticArchitecture.Qwen2Vl, SyntheticSize.Medium).Vision, Is.EqualTo(new VisionDimensions(1280, 32, 16, 5120)));
            Assert.That(ModelDimensions.For(SyntheticArchitecture.Pixtral, SyntheticSize.Small) with { Vision = null },
                Is.EqualTo(ModelDimensions.For(SyntheticArchitecture.Mistral, SyntheticSize.Small)), "Pixtral's text model is the Mistral one");
            Assert.That(ModelDimensions.For(SyntheticArchitecture.Llama, SyntheticSize.Small).Vision, Is.Null);
            Assert.That(VisionLanguageConfigJson.MropeSections(128), Is.EqualTo(new[] { 16, 24, 24 }), "Qwen2-VL-7B's sections");
            foreach (var architecture in new[] { SyntheticArchitecture.Pixtral, SyntheticArchitecture.Qwen2Vl })
            {
                foreach (var size in Enum.GetValues<SyntheticSize>().Where(size => size != SyntheticSize.Pixtral12B || architecture == SyntheticArchitecture.Pixtral))
                {
                    Assert.That(() => ModelDimensions.For(architecture, size).Validate(architecture), Throws.Nothing, $"{architecture} {size}");
                }
            }

            Assert.That(ModelDimensions.For(SyntheticArchitecture.Pixtral, SyntheticSize.Pixtral12B) with { Vision = null },
                Is.EqualTo(new ModelDimensions(131072, 5120, 14336, 40, 32, 8, 128, 4, 2, 128)), "Mistral-NeMo 12B, Pixtral-12B's text model");
            Assert.That(() => ModelDimensions.For(SyntheticArchitecture.Qwen2Vl, SyntheticSize.Pixtral12B),
                Throws.ArgumentException.With.Message.Contains("only the pixtral and mistral architectures"));

            var oddHeads = ModelDimensions.For(SyntheticArchitecture.Qwen2Vl, SyntheticSize.Tiny) with { Vision = new VisionDimensions(48, 1, 8, 96) };
            Assert.That(() => oddHeads.Validate(SyntheticArchitecture.Qwen2Vl), Throws.ArgumentException.With.Message.Contains("(6)").And.Message.Contains("multiple of 4"));
        }
    }

    private static JsonSection Root(TemporaryDirectory directory)
    {
        var path = directory.File("config.json");
        return new JsonSection(path, string.Empty, JsonFile.ReadObject(path));
    }

    private static (Dictionary<string, TensorExpectation> Expected, Dictionary<string, LinearScheme> Schemes) VisionExpectations(
        JsonSection root, QuantizationConfig quantization, bool pixtral, int textHidden)
    {
        if (pixtral)
        {
            var plan = PixtralVisionPlan.Create(LlavaVisionConfig.Read(root), textHidden);
            var schemes = plan.Schemes(quantization);
            return (plan.Expectations(schemes), schemes);
        }

        var qwenPlan = Qwen2VlVisionPlan.Create(Qwen2VlVisionConfig.Read(root.RequiredProperty("vision_config")));
        var qwenSchemes = qwenPlan.Schemes(quantization);
        return (qwenPlan.Expectations(qwenSchemes), qwenSchemes);
    }

    private static float[] Bf16(SafetensorsCheckpoint checkpoint, string name)
    {
        var bytes = SafetensorsCheckpoint.Bytes(checkpoint.Get(name));
        var values = new float[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
        }

        return values;
    }
}
