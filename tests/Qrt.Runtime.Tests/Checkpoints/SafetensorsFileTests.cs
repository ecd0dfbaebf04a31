using System.Text;
using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Tests.Checkpoints;

/// <summary>
/// <see cref="SafetensorsFile" /> reads back what was written byte by byte, for every dtype and for scalar and
/// empty shapes, and rejects every kind of malformed header with a message naming the file, the tensor and
/// the numbers.
/// </summary>
[TestFixture]
internal sealed class SafetensorsFileTests
{
    private TemporaryDirectory _directory = null!;
    private string _path = string.Empty;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = new TemporaryDirectory();
        _path = _directory.File("model.safetensors");
    }

    [TearDown]
    public void DeleteDirectory() => _directory.Dispose();

    [TestCase("BOOL", SafetensorsDType.Bool, 1)]
    [TestCase("U8", SafetensorsDType.U8, 1)]
    [TestCase("I8", SafetensorsDType.I8, 1)]
    [TestCase("I16", SafetensorsDType.I16, 2)]
    [TestCase("I32", SafetensorsDType.I32, 4)]
    [TestCase("I64", SafetensorsDType.I64, 8)]
    [TestCase("F16", SafetensorsDType.F16, 2)]
    [TestCase("BF16", SafetensorsDType.BF16, 2)]
    [TestCase("F32", SafetensorsDType.F32, 4)]
    [TestCase("F64", SafetensorsDType.F64, 8)]
    [TestCase("F8_E4M3", SafetensorsDType.F8E4M3, 1)]
    [TestCase("F8_E5M2", SafetensorsDType.F8E5M2, 1)]
    public void EveryDType_RoundTrips(string name, SafetensorsDType dtype, int size)
    {
        var first = SafetensorsTestFile.Counting(2 * 3 * size);
        var second = SafetensorsTestFile.Counting(5 * size, first: 100);
        var headerLength = SafetensorsTestFile.Write(_path, [new("a", name, [2, 3], first), new("b.weight", name, [5], second)]);

        using var file = SafetensorsFile.Open(_path);
        Assert.That(file.Tensors.Select(tensor => tensor.Name), Is.EqualTo(new[] { "a", "b.weight" }));
        var b = file.TensorsByName["b.weight"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dtype.ElementSize(), Is.EqualTo(size));
            Assert.That(dtype.FileName(), Is.EqualTo(name));
            Assert.That(b.DType, Is.EqualTo(dtype));
            Assert.That(b.Shape, Is.EqualTo(new long[] { 5 }));
            Assert.That(b.ElementCount, Is.EqualTo(5));
            Assert.That(b.FileOffset, Is.EqualTo(8 + headerLength + first.Length));
            Assert.That(b.ByteLength, Is.EqualTo(second.Length));
            Assert.That(file.Bytes(file.Tensors[0]).ToArray(), Is.EqualTo(first));
            Assert.That(file.Bytes(b).ToArray(), Is.EqualTo(second));
            Assert.That(file.Bytes(b, 1, 2).ToArray(), Is.EqualTo(second[1..3]));
        }
    }

    [Test]
    public void ScalarAndZeroSizeShapes_RoundTrip()
    {
        SafetensorsTestFile.Write(
            _path,
            [new("empty", "F32", [0, 4], []), new("scalar", "F32", [], [0, 0, 128, 63]), new("also_empty", "BF16", [3, 0], [])]);

        using var file = SafetensorsFile.Open(_path);
        var scalar = file.TensorsByName["scalar"];
        var empty = file.TensorsByName["empty"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(scalar.Shape, Is.Empty);
            Assert.That(scalar.ElementCount, Is.EqualTo(1));
            Assert.That(file.Bytes(scalar).ToArray(), Is.EqualTo(new byte[] { 0, 0, 128, 63 }));
            Assert.That(empty.Shape, Is.EqualTo(new long[] { 0, 4 }));
            Assert.That(empty.ElementCount, Is.Zero);
            Assert.That(file.Bytes(empty).Length, Is.Zero);
            Assert.That(file.TensorsByName["also_empty"].ByteLength, Is.Zero);
        }
    }

    [Test]
    public void Metadata_IsRead_AndAbsentMetadataIsEmpty()
    {
        SafetensorsTestFile.Write(_path, [new("x", "U8", [1], [7])], metadataJson: """{"format":"pt","note":"ünïcode"}""");
        using (var file = SafetensorsFile.Open(_path))
        {
            Assert.That(file.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" }));
            Assert.That(file.Tensors, Has.Count.EqualTo(1), "__metadata__ is not a tensor");
        }

        SafetensorsTestFile.Write(_path, [new("x", "U8", [1], [7])]);
        using (var file = SafetensorsFile.Open(_path))
        {
            Assert.That(file.Metadata, Is.Empty);
        }
    }

    [Test]
    public void GapsBetweenTensors_AreAllowed()
    {
        SafetensorsTestFile.WriteHeader(
            _path,
            """{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}""",
            [1, 2, 3, 4, 5, 6]);
        using var file = SafetensorsFile.Open(_path);
        Assert.That(file.Bytes(file.TensorsByName["b"]).ToArray(), Is.EqualTo(new byte[] { 5, 6 }));
    }

    [Test]
    public void Bytes_AfterDispose_Throws_AndForeignEntriesAreRefused()
    {
        SafetensorsTestFile.Write(_path, [new("x", "U8", [2], [1, 2])]);
        var otherPath = _directory.File("other.safetensors");
        SafetensorsTestFile.Write(otherPath, [new("x", "U8", [2], [3, 4])]);
        using var other = SafetensorsFile.Open(otherPath);
        var file = SafetensorsFile.Open(_path);
        var entry = file.Tensors[0];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => other.Bytes(entry), Throws.ArgumentException.With.Message.Contains(_path));
            Assert.That(() => file.Bytes(entry, 1, 2), Throws.TypeOf<ArgumentOutOfRangeException>());
            file.Dispose();
            Assert.That(() => file.Bytes(entry), Throws.TypeOf<ObjectDisposedException>());
            Assert.That(file.Dispose, Throws.Nothing, "disposing twice");
        }
    }

    [Test]
    public void TruncatedFile_ShorterThanTheLengthPrefix()
    {
        File.WriteAllBytes(_path, [1, 0, 0]);
        AssertRejected("is 3 bytes long", "8-byte header length");
    }

    [Test]
    public void HeaderLengthBeyondTheFile()
    {
        SafetensorsTestFile.WriteRaw(_path, 64, Encoding.UTF8.GetBytes("{}"), []);
        AssertRejected("declares a header of 64 bytes", "only 2 bytes follow");
    }

    [Test]
    public void HeaderLengthBeyondTheFormatBound()
    {
        SafetensorsTestFile.WriteRaw(_path, 100_000_001, Encoding.UTF8.GetBytes("{}"), []);
        AssertRejected("declares a header of 100000001 bytes", "bound of 100000000");
    }

    [Test]
    public void TruncatedData_IsOffsetsOutsideTheDataSection()
    {
        SafetensorsTestFile.Write(_path, [new("w", "F32", [4], new byte[16])]);
        var bytes = File.ReadAllBytes(_path);
        File.WriteAllBytes(_path, bytes[..^3]);
        AssertRejected("tensor 'w'", "data_offsets [0, 16] run past the data section, which holds 13 bytes");
    }

    [Test]
    public void HeaderNotJson()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w": {"dtype": "F32",""", []);
        AssertRejected("the header is not valid JSON");
    }

    [Test]
    public void HeaderNotUtf8()
    {
        var header = Encoding.UTF8.GetBytes("""{"w\u00ff": 1}   """);
        header[3] = 0xFF;
        SafetensorsTestFile.WriteRaw(_path, (ulong)header.Length, header, []);
        AssertRejected("not valid UTF-8", "0xFF at header byte 3");
    }

    [Test]
    public void HeaderNotAnObject()
    {
        SafetensorsTestFile.WriteHeader(_path, "[1, 2]", []);
        AssertRejected("the header must be a JSON object; found Array");
    }

    [Test]
    public void UnknownDType()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}""", [0]);
        AssertRejected("tensor 'w'", "unknown dtype 'F4'", "F8_E4M3");
    }

    [TestCase("[2, -1]", "shape[1] must be a non-negative integer; found -1")]
    [TestCase("[1.5]", "shape[0] must be a non-negative integer; found 1.5")]
    [TestCase("[\"2\"]", "shape[0] must be a non-negative integer; found String")]
    [TestCase("3", "'shape' must be a JSON Array; found Number")]
    public void BadShape(string shape, string problem)
    {
        SafetensorsTestFile.WriteHeader(_path, $$$"""{"w":{"dtype":"U8","shape":{{{shape}}},"data_offsets":[0,2]}}""", [0, 0]);
        AssertRejected("tensor 'w'", problem);
    }

    [Test]
    public void OffsetsReversed()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"U8","shape":[2],"data_offsets":[4,2]}}""", new byte[4]);
        AssertRejected("tensor 'w'", "data_offsets [4, 2] are reversed");
    }

    [Test]
    public void OffsetsOutsideTheData()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}""", new byte[4]);
        AssertRejected("tensor 'w'", "data_offsets [2, 6] run past the data section, which holds 4 bytes");
    }

    [Test]
    public void OffsetsNotAPair()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2,4]}}""", new byte[4]);
        AssertRejected("tensor 'w'", "data_offsets must be [begin, end]; found 3 numbers");
    }

    [Test]
    public void MissingKey()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"U8","shape":[2]}}""", new byte[2]);
        AssertRejected("tensor 'w'", "'data_offsets' is missing");
    }

    [Test]
    public void OverlappingTensors()
    {
        SafetensorsTestFile.WriteHeader(
            _path,
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}}""",
            new byte[10]);
        AssertRejected("'a' (data_offsets [0, 8])", "'b' (data_offsets [6, 10]) overlap");
    }

    [Test]
    public void ByteSizeDisagreesWithShape()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,10]}}""", new byte[12]);
        AssertRejected("tensor 'w'", "shape [2, 3] of BF16 needs 6 × 2 = 12 bytes but data_offsets [0, 10] span 10");
    }

    [Test]
    public void ElementCountOverflow()
    {
        SafetensorsTestFile.WriteHeader(_path, """{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", []);
        AssertRejected("tensor 'w'", "more bytes than fit in 64 bits");
    }

    [Test]
    public void DuplicateTensorName()
    {
        SafetensorsTestFile.WriteHeader(
            _path,
            """{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""",
            new byte[2]);
        AssertRejected("names 'w' twice");
    }

    [Test]
    public void MetadataValuesMustBeStrings()
    {
        SafetensorsTestFile.Write(_path, [], metadataJson: """{"total": 12}""");
        AssertRejected("'__metadata__.total' must be a string; found Number");
    }

    [Test]
    public void MissingFile_IsAModelFileException()
    {
        AssertRejected("cannot be read");
    }

    private void AssertRejected(params string[] fragments)
    {
        var error = Assert.Throws<ModelFileException>(() => SafetensorsFile.Open(_path).Dispose());
        Assert.That(error!.FilePath, Is.EqualTo(_path));
        Assert.That(error.Message, Does.StartWith(_path + ":"));
        foreach (var fragment in fragments)
        {
            Assert.That(error.Message, Does.Contain(fragment));
        }
    }
}
