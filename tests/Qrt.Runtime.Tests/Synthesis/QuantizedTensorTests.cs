using System.Buffers.Binary;
using System.Text.Json;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Synthesis;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary>
/// Quantized tensors decoded by the test's own code (shifts and masks, scale multiplications) against the BF16
/// weights the BF16 checkpoint of the same seed stores.
/// </summary>
[TestFixture]
internal sealed class QuantizedTensorTests
{
    private const string Layer = "model.layers.1.mlp.down_proj";

    [Test]
    public void W4A16_DecodesToTheBf16WeightWithinHalfAStep()
    {
        var (rows, cols, group) = (128, 256, 32);
        var reference = Bf16Weight(SyntheticArchitecture.Llama, Layer, rows, cols);
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Llama, SyntheticScheme.W4A16);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var packed = Ints(checkpoint, $"{Layer}.weight_packed");
        var scales = Bf16(checkpoint, $"{Layer}.weight_scale");
        var shape = SafetensorsCheckpoint.Bytes(checkpoint.Get($"{Layer}.weight_shape"));
        var worst = 0.0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                // Eight nibbles a word, lowest first, each the code plus 8.
                var code = ((packed[(r * (cols / 8)) + (c / 8)] >> (4 * (c % 8))) & 0xF) - 8;
                var scale = scales[(r * (cols / group)) + (c / group)];
                worst = Math.Max(worst, Math.Abs((code * scale) - reference[(r * cols) + c]) / scale);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(worst, Is.LessThanOrEqualTo(0.5 + 1e-6), "error in quantization steps");
            Assert.That(BinaryPrimitives.ReadInt64LittleEndian(shape), Is.EqualTo(rows));
            Assert.That(BinaryPrimitives.ReadInt64LittleEndian(shape[8..]), Is.EqualTo(cols));
        }
    }

    [Test]
    public void W4A16ActOrder_GroupIndexHasEqualGroups_AndScalesFollowIt()
    {
        var (rows, cols, group) = (128, 256, 32);
        var reference = Bf16Weight(SyntheticArchitecture.Mistral, Layer, rows, cols);
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Mistral, SyntheticScheme.W4A16ActOrder);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var groupIndex = Ints(checkpoint, $"{Layer}.weight_g_idx");
        var packed = Ints(checkpoint, $"{Layer}.weight_packed");
        var scales = Bf16(checkpoint, $"{Layer}.weight_scale");
        var worst = 0.0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var code = ((packed[(r * (cols / 8)) + (c / 8)] >> (4 * (c % 8))) & 0xF) - 8;
                var scale = scales[(r * (cols / group)) + groupIndex[c]];
                worst = Math.Max(worst, Math.Abs((code * scale) - reference[(r * cols) + c]) / scale);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(groupIndex.GroupBy(g => g).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key),
                Is.EqualTo(Enumerable.Range(0, cols / group).Select(g => (g, group))));
            Assert.That(groupIndex.Take(group).Distinct().Count(), Is.GreaterThan(1), "columns are not in natural order");
            Assert.That(worst, Is.LessThanOrEqualTo(0.5 + 1e-6));
        }
    }

    [Test]
    public void W4A16Asym_DecodesWithZeroPointsWithinOneStep()
    {
        var (rows, cols, group) = (128, 256, 32);
        var reference = Bf16Weight(SyntheticArchitecture.Qwen2, Layer, rows, cols);
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2, SyntheticScheme.W4A16Asym);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var packed = Ints(checkpoint, $"{Layer}.weight_packed");
        var zeros = Ints(checkpoint, $"{Layer}.weight_zero_point");
        var scales = Bf16(checkpoint, $"{Layer}.weight_scale");
        var groups = cols / group;
        var worst = 0.0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var code = ((packed[(r * (cols / 8)) + (c / 8)] >> (4 * (c % 8))) & 0xF) - 8;

                // Zero points pack eight rows to a word, down each group's column.
                var zero = ((zeros[((r / 8) * groups) + (c / group)] >> (4 * (r % 8))) & 0xF) - 8;
                var scale = scales[(r * groups) + (c / group)];
                worst = Math.Max(worst, Math.Abs(((code - zero) * scale) - reference[(r * cols) + c]) / scale);
            }
        }

        // A rounded zero point can move a group's extreme by up to one step before it clips.
        Assert.That(worst, Is.LessThanOrEqualTo(1.0 + 1e-6));
    }

    [Test]
    public void Int8AndFp8_DecodeWithinHalfAStep_AndStaticScalesAreTheDocumentedEstimates()
    {
        var (rows, cols) = (128, 256);
        var reference = Bf16Weight(SyntheticArchitecture.Llama, Layer, rows, cols);
        var (int8Directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Llama, SyntheticScheme.W8A8Int8Static);
        var (fp8Directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Llama, SyntheticScheme.AutoFp8);
        using var int8Cleanup = int8Directory;
        using var fp8Cleanup = fp8Directory;
        using var int8 = SafetensorsCheckpoint.Open(int8Directory.Path);
        using var fp8 = SafetensorsCheckpoint.Open(fp8Directory.Path);

        var codes = SafetensorsCheckpoint.Bytes(int8.Get($"{Layer}.weight")).ToArray();
        var channelScales = Bf16(int8, $"{Layer}.weight_scale");
        var worstInt8 = 0.0;
        for (var i = 0; i < codes.Length; i++)
        {
            var scale = channelScales[i / cols];
            worstInt8 = Math.Max(worstInt8, Math.Abs(((sbyte)codes[i] * scale) - reference[i]) / scale);
        }

        var fp8Codes = SafetensorsCheckpoint.Bytes(fp8.Get($"{Layer}.weight")).ToArray();
        var tensorScale = BinaryPrimitives.ReadSingleLittleEndian(SafetensorsCheckpoint.Bytes(fp8.Get($"{Layer}.weight_scale")));
        var worstFp8 = 0.0;
        for (var i = 0; i < fp8Codes.Length; i++)
        {
            // Relative error of e4m3 (3 mantissa bits): at most 2^-4 of the value, or half the smallest subnormal step.
            var decoded = E4M3(fp8Codes[i]) * tensorScale;
            var allowed = Math.Max(Math.Abs(reference[i]) / 16, Math.Pow(2, -10) * tensorScale) * 1.0001;
            worstFp8 = Math.Max(worstFp8, Math.Abs(decoded - reference[i]) / allowed);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(worstInt8, Is.LessThanOrEqualTo(0.5 + 1e-6));
            Assert.That(worstFp8, Is.LessThanOrEqualTo(1.0));
            Assert.That(fp8.Get($"{Layer}.weight_scale").Shape, Is.Empty, "AutoFP8 scales are 0-d");
            Assert.That(BinaryPrimitives.ReadSingleLittleEndian(SafetensorsCheckpoint.Bytes(fp8.Get($"{Layer}.input_scale"))), Is.EqualTo(6f / 448f));
            Assert.That(Bf16(int8, $"{Layer}.input_scale")[0], Is.EqualTo(6f / 127f).Within(6f / 127f / 256), "BF16 has 8 significant bits");
        }
    }

    [Test]
    public void Sharded_IndexSendsEachTensorToTheShardHoldingIt()
    {
        var (directory, summary) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Mixtral, SyntheticScheme.Fp8, shards: 3);
        using var _ = directory;
        using var index = JsonDocument.Parse(File.ReadAllBytes(directory.File("model.safetensors.index.json")));
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var shardNames = new[] { "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors" };
        var held = new Dictionary<string, string>();
        long total = 0;
        foreach (var shard in shardNames)
        {
            using var file = SafetensorsFile.Open(directory.File(shard));
            Assert.That(file.Tensors, Is.Not.Empty, shard);
            foreach (var entry in file.Tensors)
            {
                held[entry.Name] = shard;
                total += entry.ByteLength;
            }
        }

        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(map, Is.EquivalentTo(held));
            Assert.That(index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64(), Is.EqualTo(total));
            Assert.That(checkpoint.Names, Has.Count.EqualTo(summary.TensorCount));
            Assert.That(File.Exists(directory.File("model.safetensors")), Is.False);
        }
    }

    [Test]
    public void SameSeed_SameBytes_OtherSeed_OtherWeights()
    {
        var (first, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2, SyntheticScheme.W8A8Int8, seed: 3);
        var (second, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2, SyntheticScheme.W8A8Int8, seed: 3);
        var (third, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2, SyntheticScheme.W8A8Int8, seed: 4);
        using var a = first;
        using var b = second;
        using var c = third;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.ReadAllBytes(b.File("model.safetensors")), Is.EqualTo(File.ReadAllBytes(a.File("model.safetensors"))));
            Assert.That(File.ReadAllBytes(c.File("model.safetensors")), Is.Not.EqualTo(File.ReadAllBytes(a.File("model.safetensors"))));
        }
    }

    private static float[] Bf16Weight(SyntheticArchitecture architecture, string layer, int rows, int cols)
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(architecture, SyntheticScheme.Bf16);
        using var _ = directory;
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var weight = Bf16(checkpoint, $"{layer}.weight");
        Assert.That(weight, Has.Length.EqualTo(rows * cols));
        return weight;
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

    private static int[] Ints(SafetensorsCheckpoint checkpoint, string name)
    {
        var bytes = SafetensorsCheckpoint.Bytes(checkpoint.Get(name));
        var values = new int[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
        }

        return values;
    }

    /// <summary>e4m3fn decoded from its fields: sign, 4 exponent bits (bias 7), 3 mantissa bits; exponent 0 is subnormal.</summary>
    private static double E4M3(byte bits)
    {
        var sign = (bits & 0x80) != 0 ? -1.0 : 1.0;
        var exponent = (bits >> 3) & 0xF;
        var mantissa = bits & 0x7;
        return sign * (exponent == 0 ? mantissa / 8.0 * Math.Pow(2, -6) : (1 + (mantissa / 8.0)) * Math.Pow(2, exponent - 7));
    }
}
