using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Synthesis;

/// <summary>One tensor of a synthetic checkpoint: its name, stored type and shape, and the recipe that makes its bytes.</summary>
internal sealed record PlannedTensor(string Name, SafetensorsDType DType, long[] Shape, TensorRecipe Recipe)
{
    /// <summary>Stored size in bytes.</summary>
    public long ByteLength => Shape.Aggregate(1L, (product, dimension) => product * dimension) * DType.ElementSize();
}

/// <summary>
/// Makes the bytes of one or more tensors that come from the same random values: a norm weight, or a linear
/// layer whose quantized form is several tensors (weight_packed, weight_scale, ...).
/// </summary>
internal abstract class TensorRecipe
{
    /// <summary>The parameters this recipe stands for in the original (unquantized) model.</summary>
    public abstract long ParameterCount { get; }

    /// <summary>The bytes of every tensor this recipe makes, by tensor name.</summary>
    public abstract IReadOnlyDictionary<string, byte[]> Produce(int seed);
}

/// <summary>How a dense BF16 tensor is initialized.</summary>
internal enum DenseInit
{
    /// <summary>Normal with the weight standard deviation (embeddings, routers, unquantized linears).</summary>
    Weight,

    /// <summary>All ones (RMSNorm weights).</summary>
    Ones,

    /// <summary>Normal with a small standard deviation (attention biases).</summary>
    Bias,
}

/// <summary>A BF16 tensor of random normal values, or of ones.</summary>
internal sealed class DenseRecipe(string name, long[] shape, DenseInit init) : TensorRecipe
{
    /// <inheritdoc />
    public override long ParameterCount => shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, byte[]> Produce(int seed)
    {
        var values = init switch
        {
            DenseInit.Ones => Enumerable.Repeat(1f, checked((int)ParameterCount)).ToArray(),
            DenseInit.Bias => RandomWeights.Normal(seed, name, ParameterCount, RandomWeights.BiasStd),
            _ => RandomWeights.Normal(seed, name, ParameterCount, RandomWeights.WeightStd),
        };
        return new Dictionary<string, byte[]>(StringComparer.Ordinal) { [name] = NumberEncoding.Bf16Bytes(values) };
    }

    /// <summary>The planned tensor.</summary>
    public PlannedTensor Plan() => new(name, SafetensorsDType.BF16, shape, this);
}
