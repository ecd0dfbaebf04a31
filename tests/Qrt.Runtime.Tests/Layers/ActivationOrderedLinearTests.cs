using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Layers;

/// <summary>
/// <see cref="PackedIntLinear.Create"/> on activation-ordered weights: columns sorted by group at load and the
/// input gathered into the same order must compute what the group-index path computes.
/// </summary>
[TestFixture]
internal sealed class ActivationOrderedLinearTests : CpuStreamFixture
{
    // Not a multiple of either group size: the last group is short, as GPTQ leaves it.
    private const int In = 203;
    private const int Out = 13;

    public static IEnumerable<TestCaseData> Cases() =>
        from rows in new[] { 1, 3, 17 }
        from bits in new[] { 4, 8 }
        from symmetric in new[] { true, false }
        from groupSize in new[] { 32, 128 }
        from input in new[] { DType.F32, DType.BF16 }
        select new TestCaseData(rows, bits, symmetric, groupSize, input);

    [TestCaseSource(nameof(Cases))]
    public void SortedLayer_MatchesTheGroupIndexLayer(int rows, int bits, bool symmetric, int groupSize, DType input)
    {
        var data = new TestData(TensorCodec.Seed(rows, bits, symmetric ? 1 : 0, groupSize, (int)input));
        var quantized = Quantized.Draw(data, bits, symmetric, groupSize, GptqGroupIndex(data, groupSize));
        var x = TensorCodec.Values(data, input, rows * In);
        using var groupIndexLayer = new PackedIntLinear(quantized.Upload(), In);
        using var sortedLayer = PackedIntLinear.Create(quantized.Upload(), In);
        using var xt = TensorBits.Upload(input, x, rows, In);
        using var viaGroupIndex = QrtTensor.Empty(DType.F32, [rows, Out]);
        using var viaSorting = QrtTensor.Empty(DType.F32, [rows, Out]);

        groupIndexLayer.Forward(Stream, xt, viaGroupIndex);
        sortedLayer.Forward(Stream, xt, viaSorting);

        var expectedOrder = Enumerable.Range(0, In).OrderBy(k => quantized.GroupIndex[k]).ToArray();
        Assert.That(sortedLayer.ColumnOrder?.ToArray<int>(), Is.EqualTo(expectedOrder), "columns sorted by group, stably");
        Assert.That(sortedLayer.Scheme, Is.EqualTo(groupIndexLayer.Scheme));
        var expected = GemmReference.Linear(x.AsDoubles(), quantized.Decoded(), rows, Out, In);
        // Both layers dequantize every weight to the same FP32 value and sum the same In FP32 products x·w, in
        // another order. Each sum is within γ_In ≤ (In + 1)·2^-24 of Σ|x·w| of the exact sum of those products,
        // so the two differ by at most twice that.
        var orderBound = 2 * (In + 1) * GemmReference.Fp32Unit * expected.Magnitude;
        Tolerance.AssertClose(TensorBits.Read(viaSorting), TensorBits.Read(viaGroupIndex).AsDoubles(), orderBound, 0, "sorted vs group index");
        // FP32 accumulation over In products and the FP32 dequantization of each weight.
        GemmReference.AssertMatches(viaSorting, expected, In, 1, "sorted vs reference");
    }

    [Test]
    public void UnevenGroups_KeepTheGroupIndexPath_AndStayCorrect()
    {
        const int groupSize = 32;
        var data = new TestData(59);
        var groupIndex = GptqGroupIndex(data, groupSize);
        // One column of group 0 moves to group 1: sorted, column 31 would belong to group 1, not 31 / 32 = 0.
        groupIndex[Array.IndexOf(groupIndex, 0)] = 1;
        var quantized = Quantized.Draw(data, 4, symmetric: false, groupSize, groupIndex);
        var x = TensorCodec.Values(data, DType.F32, 3 * In);
        var weight = quantized.Upload();
        using var layer = PackedIntLinear.Create(weight, In);
        using var xt = TensorBits.Upload(DType.F32, x, 3, In);
        using var y = QrtTensor.Empty(DType.F32, [3, Out]);

        layer.Forward(Stream, xt, y);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(layer.ColumnOrder, Is.Null);
            Assert.That(weight.GroupIndex!.ToArray<int>(), Is.EqualTo(groupIndex), "the group index stays with the layer");
            Assert.That(layer.Scheme, Is.EqualTo("W4A16 g32 asym act-order"));
        }

        // FP32 accumulation over In products and the FP32 dequantization of each weight.
        GemmReference.AssertMatches(y, GemmReference.Linear(x.AsDoubles(), quantized.Decoded(), 3, Out, In), In, 1, "y");
    }

    [Test]
    public void GroupsAlreadyInColumnOrder_NeedNoGather()
    {
        const int groupSize = 32;
        var data = new TestData(61);
        var quantized = Quantized.Draw(data, 8, symmetric: true, groupSize, Enumerable.Range(0, In).Select(k => k / groupSize).ToArray());
        var x = TensorCodec.Values(data, DType.F32, 17 * In);
        var weight = quantized.Upload();
        using var layer = PackedIntLinear.Create(weight, In);
        using var xt = TensorBits.Upload(DType.F32, x, 17, In);
        using var y = QrtTensor.Empty(DType.F32, [17, Out]);

        layer.Forward(Stream, xt, y);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(layer.ColumnOrder, Is.Null);
            Assert.Throws<ObjectDisposedException>(() => weight.GroupIndex!.ToArray<int>(), "the group index is no longer read");
            Assert.That(layer.Scheme, Is.EqualTo("W8A16 g32 act-order"));
        }

        // FP32 accumulation over In products and the FP32 dequantization of each weight.
        GemmReference.AssertMatches(y, GemmReference.Linear(x.AsDoubles(), quantized.Decoded(), 17, Out, In), In, 1, "y");
    }

    [Test]
    public void Create_WithoutAGroupIndex_UsesTheWeightAsGiven()
    {
        var weight = WeightQuantizer.QuantizePacked(new TestData(67).Normal(Out * In), Out, In, 4, 32, symmetric: true);
        using var layer = PackedIntLinear.Create(weight, In);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(layer.ColumnOrder, Is.Null);
            Assert.That(weight.Packed.ToArray<int>(), Has.Length.EqualTo(Out * PackedIntReference.WordCount(In, 4)), "the packed words stay alive");
            Assert.That(layer.Scheme, Is.EqualTo("W4A16 g32"));
        }
    }

    [Test]
    public void Create_DisposesTheReplacedTensors_AndDisposeFreesTheRest()
    {
        var data = new TestData(71);
        var weight = Quantized.Draw(data, 4, symmetric: false, 32, GptqGroupIndex(data, 32)).Upload();
        var bias = QrtTensor.Zeros(DType.F32, [Out]);

        var layer = PackedIntLinear.Create(weight, In, bias);
        var columnOrder = layer.ColumnOrder!;

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.Packed.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => weight.GroupIndex!.ToArray<int>());
            Assert.That(weight.Scale.ToArray<ushort>(), Has.Length.EqualTo(Out * 7), "scales are shared with the sorted weight");
        }

        layer.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.Scale.ToArray<ushort>());
            Assert.Throws<ObjectDisposedException>(() => weight.ZeroPoint!.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => columnOrder.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => bias.ToArray<float>());
        }
    }

    [TestCase(4)]
    [TestCase(8)]
    public void SortColumnsByGroup_MovesEachStoredValueToItsColumnsPlaceInGroupOrder(int bits)
    {
        // K = 10 leaves padding in each row's last word (4 bits: 2 words of 8; 8 bits: 3 words of 4).
        const int rows = 3, columns = 10, groupSize = 4;
        int[] groupIndex = [1, 0, 2, 1, 0, 0, 1, 2, 0, 1];
        int[] expectedOrder = [1, 4, 5, 8, 0, 3, 6, 9, 2, 7];
        var q = new TestData(bits).Integers(rows * columns, -(1 << (bits - 1)), (1 << (bits - 1)) - 1);
        using var weight = new PackedIntWeight(
            QrtTensor.FromData<int>(PackedIntReference.PackAlongRows(q, rows, columns, bits), DType.I32, [rows, PackedIntReference.WordCount(columns, bits)]),
            QrtTensor.Zeros(DType.F32, [rows, 3]),
            null,
            QrtTensor.FromData<int>(groupIndex, DType.I32, [columns]),
            bits,
            groupSize);

        var sorted = ActivationOrder.SortColumnsByGroup(weight, columns);

        Assert.That(sorted, Is.Not.Null);
        using var packed = sorted!.Weight.Packed;
        var words = packed.ToArray<int>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sorted.Order, Is.EqualTo(expectedOrder));
            Assert.That(sorted.Weight.GroupIndex, Is.Null);
            Assert.That(sorted.Weight.Scale, Is.SameAs(weight.Scale));
            Assert.That(packed.Shape.ToArray(), Is.EqualTo(weight.Packed.Shape.ToArray()));
            for (var r = 0; r < rows; r++)
            {
                for (var i = 0; i < columns; i++)
                {
                    Assert.That(PackedIntReference.UnpackAlongRows(words, columns, bits, r, i), Is.EqualTo(q[(r * columns) + expectedOrder[i]]), $"row {r}, column {i}");
                }
            }
        }
    }

    [TestCase(new[] { 0, 0, 0, 1, 1, 1, 1, 1 }, 4, TestName = "uneven groups")]
    [TestCase(new[] { 0, 0, 0, 0, 1, 1, 1, 2 }, 4, TestName = "a group beyond ceil(K / group size)")]
    [TestCase(new[] { 0, 0, 0, 0, 1, 1, -1, 1 }, 4, TestName = "a negative group")]
    [TestCase(new[] { 0, 0, 0, 0, 0, 0, 0, 0 }, 0, TestName = "group size 0")]
    public void SortColumnsByGroup_DeclinesAGroupIndexThatSortingCannotReplace(int[] groupIndex, int groupSize)
    {
        using var weight = new PackedIntWeight(
            QrtTensor.Zeros(DType.I32, [2, 1]), QrtTensor.Zeros(DType.F32, [2, 2]), null, QrtTensor.FromData<int>(groupIndex, DType.I32, [8]), 4, groupSize);

        Assert.That(ActivationOrder.SortColumnsByGroup(weight, 8), Is.Null);
    }

    /// <summary>A GPTQ act-order group index: the columns in a random order of importance, then g_idx[perm[i]] = i / groupSize.</summary>
    private static int[] GptqGroupIndex(TestData data, int groupSize)
    {
        var permutation = data.Permutation(In);
        var groupIndex = new int[In];
        for (var i = 0; i < In; i++)
        {
            groupIndex[permutation[i]] = i / groupSize;
        }

        return groupIndex;
    }

    /// <summary>Random codes, F16 scales and optional zero points of an [Out, In] weight with a group index.</summary>
    private sealed record Quantized(int[] Codes, float[] Scales, int[]? ZeroPoints, int[] GroupIndex, int Bits, int GroupSize)
    {
        private int Groups => (In + GroupSize - 1) / GroupSize;

        public static Quantized Draw(TestData data, int bits, bool symmetric, int groupSize, int[] groupIndex)
        {
            var groups = (In + groupSize - 1) / groupSize;
            var (low, high) = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
            return new Quantized(
                data.Integers(Out * In, low, high),
                TensorCodec.Values(data, DType.F16, Out * groups, 0.01f, 0.02f),
                symmetric ? null : data.Integers(Out * groups, low / 2, high / 2),
                groupIndex,
                bits,
                groupSize);
        }

        public PackedIntWeight Upload() => new(
            QrtTensor.FromData<int>(PackedWords, DType.I32, [Out, PackedIntReference.WordCount(In, Bits)]),
            TensorBits.Upload(DType.F16, Scales, Out, Groups),
            PackedZeroPoints is { } zeros ? QrtTensor.FromData<int>(zeros, DType.I32, [PackedIntReference.WordCount(Out, Bits), Groups]) : null,
            QrtTensor.FromData<int>(GroupIndex, DType.I32, [In]),
            Bits,
            GroupSize);

        /// <summary>The weight in double, from the codes, scales and zero points written here.</summary>
        public double[] Decoded() => PackedIntReference.Dequantize(PackedWords, Scales, PackedZeroPoints, GroupIndex, Out, In, Bits, GroupSize);

        private int[] PackedWords => PackedIntReference.PackAlongRows(Codes, Out, In, Bits);

        private int[]? PackedZeroPoints => ZeroPoints is null ? null : PackedIntReference.PackAlongColumns(ZeroPoints, Out, Groups, Bits);
    }
}
