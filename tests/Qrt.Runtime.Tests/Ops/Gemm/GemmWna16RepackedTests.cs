using NUnit.Framework;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// The repacked W4A16 ops (<see cref="Qrt.Runtime.Ops.RepackWna16"/>, <see cref="Qrt.Runtime.Ops.GemmWna16Repacked"/>,
/// <see cref="Qrt.Runtime.Ops.GemmWna16RepackedWorkspaceSize"/>) on the CPU backend against
/// <see cref="Qrt.Runtime.Ops.GemmWna16"/> on the weight before the repack.
/// </summary>
[TestFixture]
internal sealed class GemmWna16RepackedTests : CpuStreamFixture
{
    private const int M = 3;
    private const int N = 128;
    private const int K = 256;

    [Test]
    public void GemmWna16Repacked_GivesTheBitsOfGemmWna16_OnTheWeightBeforeTheRepack()
    {
        // Same weights (q − z)·s decoded into the same FP32 panels: the same bits.
        using var w = new Weight(TensorCodec.Seed(1), groupSize: 64, symmetric: false, actOrder: false);
        Assert.That(w.Repacked(Stream, workspace: null), Is.EqualTo(w.Original(Stream)));
    }

    [Test]
    public void RepackWna16_OfAWeightSortedByGroup_GivesGemmWna16sResult_WithTheGroupIndex()
    {
        using var w = new Weight(TensorCodec.Seed(2), groupSize: 32, symmetric: true, actOrder: true);
        var expected = w.Original(Stream);
        var actual = w.Repacked(Stream, workspace: null);
        // Both are FP32 sums of the same exact products (and the bias) in different orders, each within
        // γ(K + 2)·Σ|terms| of the exact value: they differ by at most twice that.
        var gamma = (K + 2) * Math.Pow(2, -24) / (1 - ((K + 2) * Math.Pow(2, -24)));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(2 * gamma * w.Magnitude(i)), $"y[{i}]");
        }
    }

    [Test]
    public void GemmWna16RepackedWorkspaceSize_IsZeroOnTheCpu_WhereAWorkspaceChangesNothing()
    {
        Assert.That(Qrt.Runtime.Ops.GemmWna16RepackedWorkspaceSize(Device.Cpu, M, N, K), Is.Zero);
        using var w = new Weight(TensorCodec.Seed(3), groupSize: 128, symmetric: false, actOrder: false);
        using var workspace = QrtTensor.Zeros(DType.U8, [64]);
        Assert.That(w.Repacked(Stream, workspace), Is.EqualTo(w.Original(Stream)));
    }

    [Test]
    public void RepackWna16_Rejects_AWeightThatStillHasAGroupIndex()
    {
        using var w = new Weight(TensorCodec.Seed(4), groupSize: 32, symmetric: true, actOrder: true);
        using var weight = QrtTensor.Empty(DType.I32, [K / 16, 2 * N]);
        using var scale = QrtTensor.Empty(DType.BF16, [K / 32, N]);
        Assert.That(
            () => Qrt.Runtime.Ops.RepackWna16(Stream, w.WithGroupIndex, weight, scale, null),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("weight"));
    }

    /// <summary>A random 4-bit weight, x and bias, run through both layouts.</summary>
    private sealed class Weight : IDisposable
    {
        private readonly int _groupSize;
        private readonly int _groups;
        private readonly int[] _q;
        private readonly int[] _zeros;
        private readonly float[] _scales;
        private readonly int[]? _gIdx;
        private readonly float[] _x;
        private readonly float[] _bias;
        private readonly QrtTensor _packed;
        private readonly QrtTensor _scale;
        private readonly QrtTensor? _zero;
        private readonly QrtTensor? _groupIndex;
        private readonly QrtTensor _xt;
        private readonly QrtTensor _bt;

        public Weight(int seed, int groupSize, bool symmetric, bool actOrder)
        {
            var data = new TestData(seed);
            _groupSize = groupSize;
            _groups = K / groupSize;
            _q = data.Integers(N * K, -8, 7);
            _zeros = symmetric ? new int[N * _groups] : data.Integers(N * _groups, -8, 7);
            _scales = TensorCodec.Values(data, DType.BF16, N * _groups, 0.005f, 0.05f);
            _gIdx = actOrder ? data.Permutation(K).Select(column => column / groupSize).ToArray() : null;
            _x = TensorCodec.Values(data, DType.BF16, M * K);
            _bias = TensorCodec.Values(data, DType.F32, N);
            _packed = QrtTensor.FromData<int>(PackedIntReference.PackAlongRows(_q, N, K, 4), DType.I32, [N, K / 8]);
            _scale = TensorBits.Upload(DType.BF16, _scales, N, _groups);
            _zero = symmetric ? null : QrtTensor.FromData<int>(PackedIntReference.PackAlongColumns(_zeros, N, _groups, 4), DType.I32, [N / 8, _groups]);
            _groupIndex = _gIdx is null ? null : QrtTensor.FromData<int>(_gIdx, DType.I32, [K]);
            _xt = TensorBits.Upload(DType.BF16, _x, M, K);
            _bt = TensorBits.Upload(DType.F32, _bias, N);
        }

        public PackedIntWeight WithGroupIndex => new(_packed, _scale, _zero, _groupIndex, 4, _groupSize);

        /// <summary>y of <see cref="Qrt.Runtime.Ops.GemmWna16"/> on the pack-quantized weight (with its group index).</summary>
        public float[] Original(QrtStream stream)
        {
            using var y = QrtTensor.Empty(DType.F32, [M, N]);
            Qrt.Runtime.Ops.GemmWna16(stream, _xt, WithGroupIndex, _bt, y);
            return y.ToArray<float>();
        }

        /// <summary>
        /// y of <see cref="Qrt.Runtime.Ops.GemmWna16Repacked"/>: the columns sorted by group (weight and x) when there
        /// is a group index, then the repack, then the GEMM.
        /// </summary>
        public float[] Repacked(QrtStream stream, QrtTensor? workspace)
        {
            var order = Enumerable.Range(0, K).OrderBy(column => _gIdx?[column] ?? 0).ToArray();  // stable
            var sorted = new int[N * K];
            for (var n = 0; n < N; n++)
            {
                for (var j = 0; j < K; j++)
                {
                    sorted[(n * K) + j] = _q[(n * K) + order[j]];
                }
            }

            using var packed = QrtTensor.FromData<int>(PackedIntReference.PackAlongRows(sorted, N, K, 4), DType.I32, [N, K / 8]);
            using var weight = QrtTensor.Empty(DType.I32, [K / 16, 2 * N]);
            using var scale = QrtTensor.Empty(DType.BF16, [_groups, N]);
            using var zero = _zero is null ? null : QrtTensor.Empty(DType.I32, [_groups, N / 8]);
            Qrt.Runtime.Ops.RepackWna16(stream, new PackedIntWeight(packed, _scale, _zero, null, 4, _groupSize), weight, scale, zero);

            using var orderTensor = QrtTensor.FromData<int>(order, DType.I32, [K]);
            using var xs = QrtTensor.Empty(DType.BF16, [M, K]);
            Qrt.Runtime.Ops.GatherColumns(stream, _xt, orderTensor, xs);
            using var y = QrtTensor.Empty(DType.F32, [M, N]);
            Qrt.Runtime.Ops.GemmWna16Repacked(stream, xs, weight, scale, zero, _groupSize, _bt, workspace, y);
            return y.ToArray<float>();
        }

        /// <summary>Σ|x·w| + |bias| of output element i (row-major [M, N]).</summary>
        public double Magnitude(int i)
        {
            var (m, n) = (i / N, i % N);
            var sum = Math.Abs((double)_bias[n]);
            for (var k = 0; k < K; k++)
            {
                var g = _gIdx?[k] ?? (k / _groupSize);
                sum += Math.Abs(_x[(m * K) + k] * (_q[(n * K) + k] - _zeros[(n * _groups) + g]) * (double)_scales[(n * _groups) + g]);
            }

            return sum;
        }

        public void Dispose()
        {
            _packed.Dispose();
            _scale.Dispose();
            _zero?.Dispose();
            _groupIndex?.Dispose();
            _xt.Dispose();
            _bt.Dispose();
        }
    }
}
