using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// Tiny BF16 checkpoints of each architecture, written once into a temporary directory, with a few tensors
/// changed so that every part of the forward pass moves the logits. The synthetic writer gives every RMSNorm
/// weight the value 1 and every projection a standard deviation of 0.02, which leaves attention almost uniform
/// and SiLU almost linear; a runtime that skipped a norm weight or mixed up rotary positions would then differ
/// from the reference by little more than rounding. So, per block:
/// <list type="bullet">
/// <item>every norm weight (and the final norm) is drawn uniformly from [0.5, 1.5];</item>
/// <item>q_proj and k_proj are scaled by 8: attention scores get a standard deviation near 1.6, so the softmax is
/// far from uniform and positions matter;</item>
/// <item>the MLP gate (gate_proj, or each expert's w1) is scaled by 8: pre-activations of standard deviation near
/// 1.3, where SiLU is far from linear;</item>
/// <item>Mixtral's router is scaled by 16: router logits of standard deviation near 2.5, so the top-2 choice is
/// never a near tie that FP32 rounding could flip.</item>
/// </list>
/// Scaling by a power of two is exact in BF16, so the weights stay exactly representable.
/// </summary>
internal sealed class ForwardCheckpoints : IDisposable
{
    private const int Seed = 29;

    private readonly TemporaryDirectory _root = new();
    private readonly Dictionary<SyntheticArchitecture, string> _directories = [];

    /// <summary>The directory of <paramref name="architecture"/>'s checkpoint, written on first use.</summary>
    public string For(SyntheticArchitecture architecture)
    {
        if (!_directories.TryGetValue(architecture, out var directory))
        {
            directory = Path.Combine(_root.Path, architecture.ToString());
            Write(architecture, directory);
            _directories[architecture] = directory;
        }

        return directory;
    }

    /// <summary>A fresh copy of <paramref name="architecture"/>'s checkpoint, to be changed by a test.</summary>
    public string Copy(SyntheticArchitecture architecture, string name)
    {
        var copy = Path.Combine(_root.Path, $"{architecture}-{name}");
        CheckpointEdits.CopyDirectory(For(architecture), copy);
        return copy;
    }

    public void Dispose() => _root.Dispose();

    private static void Write(SyntheticArchitecture architecture, string directory)
    {
        var dims = SmallModels.Dimensions(architecture);
        SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = SyntheticScheme.Bf16,
            OutputDirectory = directory,
            Seed = Seed,
            Dimensions = dims,
        });

        var random = new Random(Seed);
        void RandomNorm(string name) => CheckpointEdits.Rewrite(directory, name, (_, _) => 0.5f + random.NextSingle());
        RandomNorm("model.norm.weight");
        for (var layer = 0; layer < dims.LayerCount; layer++)
        {
            var prefix = $"model.layers.{layer}";
            RandomNorm($"{prefix}.input_layernorm.weight");
            RandomNorm($"{prefix}.post_attention_layernorm.weight");
            CheckpointEdits.Scale(directory, $"{prefix}.self_attn.q_proj.weight", 8);
            CheckpointEdits.Scale(directory, $"{prefix}.self_attn.k_proj.weight", 8);
            if (architecture == SyntheticArchitecture.Mixtral)
            {
                CheckpointEdits.Scale(directory, $"{prefix}.block_sparse_moe.gate.weight", 16);
                for (var expert = 0; expert < dims.ExpertCount; expert++)
                {
                    CheckpointEdits.Scale(directory, $"{prefix}.block_sparse_moe.experts.{expert}.w1.weight", 8);
                }
            }
            else
            {
                CheckpointEdits.Scale(directory, $"{prefix}.mlp.gate_proj.weight", 8);
            }
        }
    }
}
