namespace Qrt.Runtime.Tests.Support;

/// <summary>Seeded random inputs, so every failure reproduces.</summary>
internal sealed class TestData(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Uniform values in [low, high).</summary>
    public float[] Uniform(int count, float low = -1f, float high = 1f)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = low + ((high - low) * (float)_random.NextDouble());
        }

        return values;
    }

    /// <summary>Normal values with mean 0 (Box-Muller).</summary>
    public float[] Normal(int count, double standardDeviation = 1.0)
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

    /// <summary>Integers in [low, high].</summary>
    public int[] Integers(int count, int low, int high)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = _random.Next(low, high + 1);
        }

        return values;
    }

    /// <summary>A random permutation of 0 .. count-1.</summary>
    public int[] Permutation(int count)
    {
        var values = Enumerable.Range(0, count).ToArray();
        _random.Shuffle(values);
        return values;
    }

    /// <summary>values rounded to the precision of dtype, so a reference sees exactly what the kernel reads.</summary>
    public static float[] RoundedTo(DType dtype, float[] values) =>
        values.Select(v => Reference.NumberFormats.RoundTo(dtype, v)).ToArray();
}
