using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// A mixture-of-experts W4A16 layer for the grouped ops' tests: E random 4-bit experts (each with its own activation
/// order when asked), routed rows of x sorted by expert into segments of the given sizes, and a bias row per expert.
/// <see cref="Reference"/> runs <see cref="Qrt.Runtime.Ops.GemmWna16"/> (on the CPU, on each expert's weight before
/// the repack, with its group index) segment by segment; <see cref="Grouped"/> stacks the experts' repacks with
/// <see cref="Qrt.Runtime.Ops.RepackWna16IntoStack"/> on a device and runs one
/// <see cref="Qrt.Runtime.Ops.GemmWna16RepackedGrouped"/> there, after
/// <see cref="Qrt.Runtime.Ops.GatherColumnsGrouped"/> for activation order.
/// </summary>
internal sealed class GroupedWna16Problem
{
    public const int N = 64;
    public const int K = 128;

    private readonly int _groupSize;
    private readonly int _groups;
    private readonly bool _symmetric;
    private readonly int[][] _q;
    private readonly int[][] _zeros;
    private readonly float[][] _scales;
    private readonly int[]?[] _gIdx;
    private readonly float[] _x;
    private readonly float[] _bias;

    public GroupedWna16Problem(int seed, int[] segments, int groupSize, bool symmetric, bool actOrder)
    {
        var data = new TestData(seed);
        Experts = segments.Length;
        Offsets = new int[Experts + 1];
        for (var e = 0; e < Experts; e++)
        {
            Offsets[e + 1] = Offsets[e] + segments[e];
        }

        Rows = Offsets[Experts];
        _groupSize = groupSize;
        _groups = K / groupSize;
        _symmetric = symmetric;
        _q = new int[Experts][];
        _zeros = new int[Experts][];
        _scales = new float[Experts][];
        _gIdx = new int[]?[Experts];
        for (var e = 0; e < Experts; e++)
        {
            _q[e] = data.Integers(N * K, -8, 7);
            _zeros[e] = symmetric ? new int[N * _groups] : data.Integers(N * _groups, -8, 7);
            _scales[e] = TensorCodec.Values(data, DType.BF16, N * _groups, 0.005f, 0.05f);
            _gIdx[e] = actOrder ? data.Permutation(K).Select(column => column / groupSize).ToArray() : null;
        }

        _x = TensorCodec.Values(data, DType.BF16, Rows * K);
        _bias = TensorCodec.Values(data, DType.BF16, Experts * N);
    }

    public int Experts { get; }

    public int Rows { get; }

    /// <summary>The segments' bounds, I32 [E + 1] from 0 to R.</summary>
    public int[] Offsets { get; }

    /// <summary>y [R, N] in FP32: <see cref="Qrt.Runtime.Ops.GemmWna16"/> on the CPU, one call per non-empty segment.</summary>
    public float[] Reference(QrtStream cpu)
    {
        var y = new float[Rows * N];
        for (var e = 0; e < Experts; e++)
        {
            var rows = Offsets[e + 1] - Offsets[e];
            if (rows == 0)
            {
                continue;
            }

            using var weight = Original(e, sortedByGroup: false);
            using var x = TensorBits.Upload(DType.BF16, _x[(Offsets[e] * K)..(Offsets[e + 1] * K)], rows, K);
            using var bias = TensorBits.Upload(DType.BF16, _bias[(e * N)..((e + 1) * N)], N);
            using var ye = QrtTensor.Empty(DType.F32, [rows, N]);
            Qrt.Runtime.Ops.GemmWna16(cpu, x, weight, bias, ye);
            ye.ToArray<float>().CopyTo(y, Offsets[e] * N);
        }

        return y;
    }

    /// <summary>y [R, N] in FP32 of one grouped call on <paramref name="device"/>, the weights repacked there.</summary>
    public float[] Grouped(QrtStream stream, Device device)
    {
        using var stackedWeight = QrtTensor.Empty(DType.I32, [Experts, K / 16, 2 * N], device);
        using var stackedScale = QrtTensor.Empty(DType.BF16, [Experts, _groups, N], device);
        using var stackedZero = _symmetric ? null : QrtTensor.Empty(DType.I32, [Experts, _groups, N / 8], device);
        for (var e = 0; e < Experts; e++)
        {
            using var host = Original(e, sortedByGroup: true);
            using var packed = host.Packed.To(device);
            using var scale = host.Scale.To(device);
            using var zero = host.ZeroPoint?.To(device);
            Qrt.Runtime.Ops.RepackWna16IntoStack(
                stream, new PackedIntWeight(packed, scale, zero, null, 4, _groupSize), e, stackedWeight, stackedScale, stackedZero);
        }

        using var xHost = TensorBits.Upload(DType.BF16, _x, Rows, K);
        using var x = xHost.To(device);
        using var offsetsHost = QrtTensor.FromData<int>(Offsets, DType.I32, [Experts + 1]);
        using var offsets = offsetsHost.To(device);
        using var biasHost = TensorBits.Upload(DType.BF16, _bias, Experts, N);
        using var bias = biasHost.To(device);
        using var sorted = QrtTensor.Empty(DType.BF16, [Rows, K], device);
        if (_gIdx[0] is not null)
        {
            using var indicesHost = QrtTensor.FromData<int>(Enumerable.Range(0, Experts).SelectMany(Order).ToArray(), DType.I32, [Experts, K]);
            using var indices = indicesHost.To(device);
            Qrt.Runtime.Ops.GatherColumnsGrouped(stream, x, indices, offsets, sorted);
        }

        using var y = QrtTensor.Empty(DType.F32, [Rows, N], device);
        Qrt.Runtime.Ops.GemmWna16RepackedGrouped(
            stream, _gIdx[0] is null ? x : sorted, stackedWeight, stackedScale, stackedZero, _groupSize, bias, offsets, y);
        using var result = y.To(Device.Cpu);
        return result.ToArray<float>();
    }

    /// <summary>Σ|x·w| + |bias| of output element i (row-major [R, N]).</summary>
    public double Magnitude(int i)
    {
        var (r, n) = (i / N, i % N);
        var e = Array.FindLastIndex(Offsets, offset => offset <= r);
        var sum = Math.Abs((double)_bias[(e * N) + n]);
        for (var k = 0; k < K; k++)
        {
            var g = _gIdx[e]?[k] ?? (k / _groupSize);
            sum += Math.Abs(_x[(r * K) + k] * (_q[e][(n * K) + k] - _zeros[e][(n * _groups) + g]) * (double)_scales[e][(n * _groups) + g]);
        }

        return sum;
    }

    /// <summary>Expert e's input columns in group order (stable): its permutation of x's columns.</summary>
    private int[] Order(int e) => Enumerable.Range(0, K).OrderBy(column => _gIdx[e]?[column] ?? 0).ToArray();

    /// <summary>Expert e's weight on the CPU, with its group index, or with its columns sorted by group and none.</summary>
    private PackedIntWeight Original(int e, bool sortedByGroup)
    {
        var q = _q[e];
        if (sortedByGroup)
        {
            var order = Order(e);
            q = new int[N * K];
            for (var n = 0; n < N; n++)
            {
                for (var j = 0; j < K; j++)
                {
                    q[(n * K) + j] = _q[e][(n * K) + order[j]];
                }
            }
        }

        return new PackedIntWeight(
            QrtTensor.FromData<int>(PackedIntReference.PackAlongRows(q, N, K, 4), DType.I32, [N, K / 8]),
            TensorBits.Upload(DType.BF16, _scales[e], N, _groups),
            _symmetric ? null : QrtTensor.FromData<int>(PackedIntReference.PackAlongColumns(_zeros[e], N, _groups, 4), DType.I32, [N / 8, _groups]),
            sortedByGroup || _gIdx[e] is null ? null : QrtTensor.FromData<int>(_gIdx[e], DType.I32, [K]),
            4,
            _groupSize);
    }
}
