using System.Text;
using Qrt.Runtime.Generation;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// Seeded random values for synthetic tensors. Each tensor draws from its own generator, seeded by the checkpoint
/// seed and the tensor's name, so a tensor's values do not depend on which other tensors exist or in what order
/// they are written: the BF16 checkpoint and a quantized one with the same seed hold the same weights.
/// </summary>
internal static class RandomWeights
{
    /// <summary>Standard deviation of the weights, as transformers initializes them (initializer_range).</summary>
    public const float WeightStd = 0.02f;

    /// <summary>Standard deviation of the q/k/v biases: small next to the projections' outputs.</summary>
    public const float BiasStd = 0.01f;

    /// <summary>
    /// <paramref name="count" /> normal values with standard deviation <paramref name="std" />, each rounded to
    /// BF16 (the model's dtype), so quantized schemes start from exactly what the BF16 checkpoint stores.
    /// </summary>
    public static float[] Normal(int seed, string name, long count, float std)
    {
        var generator = Generator(seed, name);
        var values = new float[count];
        for (long i = 0; i < count; i += 2)
        {
            // Box-Muller: two independent normals from two uniforms; 1 - u keeps the logarithm finite.
            var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - generator.NextDouble()));
            var angle = 2.0 * Math.PI * generator.NextDouble();
            values[i] = NumberEncoding.RoundToBf16((float)(radius * Math.Cos(angle)) * std);
            if (i + 1 < count)
            {
                values[i + 1] = NumberEncoding.RoundToBf16((float)(radius * Math.Sin(angle)) * std);
            }
        }

        return values;
    }

    /// <summary>
    /// GPTQ's activation-order group index for <paramref name="columns" /> inputs: the columns sorted by a random
    /// importance (most important first) are dealt into groups of <paramref name="groupSize" /> in that order,
    /// so g_idx[k] is the group of column k and every group holds exactly <paramref name="groupSize" /> columns.
    /// </summary>
    public static int[] ActivationOrderGroups(int seed, string name, int columns, int groupSize)
    {
        var generator = Generator(seed, name + "#importance");
        var importance = new double[columns];
        for (var k = 0; k < columns; k++)
        {
            importance[k] = generator.NextDouble();
        }

        var order = Enumerable.Range(0, columns).OrderByDescending(k => importance[k]).ThenBy(k => k).ToArray();
        var groups = new int[columns];
        for (var rank = 0; rank < columns; rank++)
        {
            groups[order[rank]] = rank / groupSize;
        }

        return groups;
    }

    private static Xoshiro256StarStar Generator(int seed, string name)
    {
        // FNV-1a over the name, mixed with the seed; SplitMix64 inside the generator spreads the bits.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return new Xoshiro256StarStar(hash ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL));
    }
}
