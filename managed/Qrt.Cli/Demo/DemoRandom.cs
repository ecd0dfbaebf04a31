namespace Qrt.Cli.Demo;

/// <summary>Seeded normal samples for the demo's random weights and inputs.</summary>
internal sealed class DemoRandom(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Normal values with the given standard deviation (Box-Muller).</summary>
    public float[] Normal(int count, double standardDeviation)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            values[i] = (float)(standardDeviation * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        return values;
    }

    /// <summary>Weights for a linear layer [rows, cols] scaled so activations keep unit size.</summary>
    public float[] LinearWeights(int rows, int cols) => Normal(rows * cols, 1.0 / Math.Sqrt(cols));

    public int Next(int maxExclusive) => _random.Next(maxExclusive);
}
