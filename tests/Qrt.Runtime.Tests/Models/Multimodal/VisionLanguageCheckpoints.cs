using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Tests.Models.Forward;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// Tiny Pixtral and Qwen2-VL checkpoints, written once per fixture into a temporary directory. The language model
/// has the shape of <see cref="SmallModels"/> (Pixtral's the Mistral one, with head_dim 24 ≠ hidden / heads, as
/// Pixtral-12B's 128 ≠ 5120 / 32); the vision tower is the synthetic tiny one (hidden 64, 2 blocks, 2 heads).
/// The BF16 checkpoints are changed as <see cref="ForwardCheckpoints"/> changes the text ones, so that every part
/// moves the logits: in the language model and the vision tower every norm weight is drawn from [0.5, 1.5], the
/// query and key projections are scaled by 8 (attention far from uniform, so positions matter) and the MLP's gate
/// or first layer by 8 (activations far from linear); the projector's linear_1 and the merger's mlp.0 are scaled by
/// 8 so their GELU is non-linear too. Powers of two keep every weight exactly representable in BF16. Quantized
/// checkpoints are written as they are.
/// </summary>
internal sealed class VisionLanguageCheckpoints : IDisposable
{
    private const int Seed = 41;

    private readonly TemporaryDirectory _root = new();
    private readonly Dictionary<(SyntheticArchitecture, SyntheticScheme), string> _directories = [];

    /// <summary>The directory of the checkpoint, written on first use.</summary>
    public string For(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        if (!_directories.TryGetValue((architecture, scheme), out var directory))
        {
            directory = Path.Combine(_root.Path, $"{architecture}-{scheme}");
            Write(architecture, scheme, directory);
            _directories[(architecture, scheme)] = directory;
        }

        return directory;
    }

    public void Dispose() => _root.Dispose();

    private static void Write(SyntheticArchitecture architecture, SyntheticScheme scheme, string directory)
    {
        var pixtral = architecture == SyntheticArchitecture.Pixtral;
        var dims = SmallModels.Dimensions(pixtral ? SyntheticArchitecture.Mistral : architecture);
        SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = scheme,
            OutputDirectory = directory,
            Seed = Seed,
            Dimensions = dims,
        });
        if (scheme != SyntheticScheme.Bf16)
        {
            return;
        }

        var random = new Random(Seed);
        void RandomNorm(string name) => CheckpointEdits.Rewrite(directory, name, (_, _) => 0.5f + random.NextSingle());
        var text = pixtral ? "language_model.model" : "model";
        RandomNorm($"{text}.norm.weight");
        for (var layer = 0; layer < dims.LayerCount; layer++)
        {
            var prefix = $"{text}.layers.{layer}";
            RandomNorm($"{prefix}.input_layernorm.weight");
            RandomNorm($"{prefix}.post_attention_layernorm.weight");
            CheckpointEdits.Scale(directory, $"{prefix}.self_attn.q_proj.weight", 8);
            CheckpointEdits.Scale(directory, $"{prefix}.self_attn.k_proj.weight", 8);
            CheckpointEdits.Scale(directory, $"{prefix}.mlp.gate_proj.weight", 8);
        }

        // The synthetic writer's standard tiny tower: 2 blocks of width 64.
        const int VisionLayers = 2;
        const int VisionHidden = 64;
        if (pixtral)
        {
            RandomNorm("vision_tower.ln_pre.weight");
            for (var layer = 0; layer < VisionLayers; layer++)
            {
                var prefix = $"vision_tower.transformer.layers.{layer}";
                RandomNorm($"{prefix}.attention_norm.weight");
                RandomNorm($"{prefix}.ffn_norm.weight");
                CheckpointEdits.Scale(directory, $"{prefix}.attention.q_proj.weight", 8);
                CheckpointEdits.Scale(directory, $"{prefix}.attention.k_proj.weight", 8);
                CheckpointEdits.Scale(directory, $"{prefix}.feed_forward.gate_proj.weight", 8);
            }

            CheckpointEdits.Scale(directory, "multi_modal_projector.linear_1.weight", 8);
            return;
        }

        for (var layer = 0; layer < VisionLayers; layer++)
        {
            var prefix = $"visual.blocks.{layer}";
            RandomNorm($"{prefix}.norm1.weight");
            RandomNorm($"{prefix}.norm2.weight");

            // qkv stacks q, k and v rows: the first 2 · 64 rows of [192, 64] are q and k.
            CheckpointEdits.Rewrite(directory, $"{prefix}.attn.qkv.weight", (index, value) => index < 2 * VisionHidden * VisionHidden ? value * 8 : value);
            CheckpointEdits.Scale(directory, $"{prefix}.mlp.fc1.weight", 8);
        }

        RandomNorm("visual.merger.ln_q.weight");
        CheckpointEdits.Scale(directory, "visual.merger.mlp.0.weight", 8);
    }
}
