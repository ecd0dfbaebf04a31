using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Tests.Checkpoints;

/// <summary>
/// <see cref="SafetensorsCheckpoint" /> opens single-file and sharded directories, insists that the index and
/// the shards agree tensor by tensor, and <see cref="SafetensorsCheckpoint.RequireExactly" /> reports every
/// missing, unexpected and mismatched tensor in one message.
/// </summary>
[TestFixture]
internal sealed class SafetensorsCheckpointTests
{
    private TemporaryDirectory _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TearDown]
    public void DeleteDirectory() => _directory.Dispose();

    private string IndexPath => _directory.File("model.safetensors.index.json");

    [Test]
    public void SingleFile_LooksUpByName()
    {
        SafetensorsTestFile.Write(_directory.File("model.safetensors"), [new("b", "U8", [2], [5, 6]), new("a", "I8", [1], [9])]);

        using var checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checkpoint.Origin, Is.EqualTo(_directory.File("model.safetensors")));
            Assert.That(checkpoint.Names, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(SafetensorsCheckpoint.Bytes(checkpoint.Get("b")).ToArray(), Is.EqualTo(new byte[] { 5, 6 }));
            Assert.That(checkpoint.TryGet("c", out _), Is.False);
            Assert.That(checkpoint.TotalTensorBytes, Is.EqualTo(3));
            Assert.That(() => checkpoint.Get("c"), Throws.TypeOf<ModelFileException>().With.Message.Contains("has no tensor 'c'"));
        }
    }

    [Test]
    public void Sharded_ReadsEveryShardThroughTheIndex()
    {
        WriteShards();

        using var checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checkpoint.Origin, Is.EqualTo(IndexPath));
            Assert.That(checkpoint.Files, Has.Count.EqualTo(2));
            Assert.That(checkpoint.Names, Is.EqualTo(new[] { "embed", "head", "norm" }));
            Assert.That(checkpoint.Get("head").File.Path, Is.EqualTo(_directory.File("model-00002-of-00002.safetensors")));
            Assert.That(SafetensorsCheckpoint.Bytes(checkpoint.Get("head")).ToArray(), Is.EqualTo(new byte[] { 20, 21, 22, 23 }));
            Assert.That(SafetensorsCheckpoint.Bytes(checkpoint.Get("embed")).ToArray(), Is.EqualTo(new byte[] { 10, 11 }));
        }
    }

    [Test]
    public void Neither_SingleFileNorIndex()
    {
        var error = Assert.Throws<ModelFileException>(() => SafetensorsCheckpoint.Open(_directory.Path));
        Assert.That(error!.Message, Does.Contain(_directory.Path).And.Contain("neither model.safetensors nor model.safetensors.index.json"));
    }

    [Test]
    public void Index_NamingAMissingShard()
    {
        WriteShards();
        File.Delete(_directory.File("model-00002-of-00002.safetensors"));
        AssertRejected("sends 'head' to shard 'model-00002-of-00002.safetensors', which does not exist");
    }

    [Test]
    public void Index_TensorMissingFromItsShard()
    {
        WriteShards(index: """{"embed": "model-00001-of-00002.safetensors", "norm": "model-00001-of-00002.safetensors", "head": "model-00002-of-00002.safetensors", "lost": "model-00002-of-00002.safetensors"}""");
        AssertRejected("sends tensor 'lost' to shard 'model-00002-of-00002.safetensors'", _directory.File("model-00002-of-00002.safetensors") + " does not hold it");
    }

    [Test]
    public void DuplicateTensorAcrossShards_IsATensorMappedElsewhere()
    {
        WriteShards(secondShardExtra: new TestTensor("norm", "U8", [1], [99]));
        AssertRejected("shard " + _directory.File("model-00002-of-00002.safetensors") + " holds tensor 'norm', which 'weight_map' sends to shard 'model-00001-of-00002.safetensors'");
    }

    [Test]
    public void TensorInAShardButNotInTheIndex()
    {
        WriteShards(secondShardExtra: new TestTensor("stray", "U8", [1], [99]));
        AssertRejected("holds tensor 'stray', which 'weight_map' does not list");
    }

    [TestCase("""{"weight_map": {"a": "../outside.safetensors"}}""", "'weight_map.a' must be a file name in the model directory; found '../outside.safetensors'")]
    [TestCase("""{"metadata": {}}""", "'weight_map' is missing")]
    [TestCase("""{"weight_map": {"a": 3}}""", "'weight_map.a' must be a shard file name; found Number")]
    [TestCase("""{"weight_map": [""", "is not valid JSON")]
    public void MalformedIndex(string index, string problem)
    {
        SafetensorsTestFile.WriteText(IndexPath, index);
        AssertRejected(problem);
    }

    [Test]
    public void BadShard_IsReportedAgainstTheShard()
    {
        WriteShards();
        File.WriteAllBytes(_directory.File("model-00002-of-00002.safetensors"), [1, 2]);
        var error = Assert.Throws<ModelFileException>(() => SafetensorsCheckpoint.Open(_directory.Path));
        Assert.That(error!.FilePath, Is.EqualTo(_directory.File("model-00002-of-00002.safetensors")));
    }

    [Test]
    public void RequireExactly_AcceptsTheExactSet_AndIgnoredExtras()
    {
        WriteShards();
        using var checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        var expected = new Dictionary<string, TensorExpectation>
        {
            ["embed"] = TensorExpectation.Of(SafetensorsDType.U8, 2),
            ["head"] = TensorExpectation.OneOf([SafetensorsDType.F16, SafetensorsDType.BF16], 2),
        };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => checkpoint.RequireExactly(expected, name => name == "norm"), Throws.Nothing);
            expected["norm"] = new TensorExpectation([SafetensorsDType.U8], [[], [1]]);
            Assert.That(() => checkpoint.RequireExactly(expected), Throws.Nothing, "a scale stored as [1] where [] or [1] is accepted");
        }
    }

    [Test]
    public void RequireExactly_ListsMissingAndUnexpected_WithCountsBeyondTheLimit()
    {
        SafetensorsTestFile.Write(
            _directory.File("model.safetensors"),
            [new("extra.0", "U8", [1], [1]), new("extra.1", "U8", [1], [1]), new("extra.2", "U8", [1], [1]), new("kept", "U8", [1], [1])]);
        using var checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        var expected = new Dictionary<string, TensorExpectation>
        {
            ["kept"] = TensorExpectation.Of(SafetensorsDType.U8, 1),
            ["gone.b"] = TensorExpectation.Of(SafetensorsDType.U8, 1),
            ["gone.a"] = TensorExpectation.Of(SafetensorsDType.U8, 1),
        };

        var error = Assert.Throws<ModelFileException>(() => checkpoint.RequireExactly(expected, listLimit: 2));
        Assert.That(error!.FilePath, Is.EqualTo(_directory.File("model.safetensors")));
        Assert.That(
            error.Message,
            Does.Contain("2 tensors missing: 'gone.a', 'gone.b';").And.Contain("3 tensors unexpected: 'extra.0', 'extra.1' (and 1 more);"));
        Assert.That(error.Message, Does.Not.Contain("'kept'"));
    }

    [Test]
    public void RequireExactly_NamesDTypeAndShapeMismatches()
    {
        WriteShards();
        using var checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        var expected = new Dictionary<string, TensorExpectation>
        {
            ["embed"] = TensorExpectation.Of(SafetensorsDType.U8, 2),
            ["head"] = TensorExpectation.Of(SafetensorsDType.F32, 2),
            ["norm"] = TensorExpectation.Of(SafetensorsDType.U8, 1, 4),
        };

        var error = Assert.Throws<ModelFileException>(() => checkpoint.RequireExactly(expected));
        Assert.That(
            error!.Message,
            Does.Contain("2 tensors with the wrong dtype or shape:")
                .And.Contain("'head' expected F32 [2], found BF16 [2] in model-00002-of-00002.safetensors")
                .And.Contain("'norm' expected U8 [1, 4], found U8 [1] in model-00001-of-00002.safetensors"));
        Assert.That(error.Message, Does.Not.Contain("'embed'").And.Not.Contain("missing"));
    }

    private void WriteShards(string? index = null, TestTensor? secondShardExtra = null)
    {
        SafetensorsTestFile.Write(_directory.File("model-00001-of-00002.safetensors"), [new("embed", "U8", [2], [10, 11]), new("norm", "U8", [1], [12])]);
        List<TestTensor> second = [new("head", "BF16", [2], [20, 21, 22, 23])];
        if (secondShardExtra is not null)
        {
            second.Add(secondShardExtra);
        }

        SafetensorsTestFile.Write(_directory.File("model-00002-of-00002.safetensors"), second);
        index ??= """{"embed": "model-00001-of-00002.safetensors", "norm": "model-00001-of-00002.safetensors", "head": "model-00002-of-00002.safetensors"}""";
        SafetensorsTestFile.WriteText(IndexPath, $$"""{"metadata": {"total_size": 7}, "weight_map": {{index}}}""");
    }

    private void AssertRejected(params string[] fragments)
    {
        var error = Assert.Throws<ModelFileException>(() => SafetensorsCheckpoint.Open(_directory.Path).Dispose());
        Assert.That(error!.FilePath, Is.EqualTo(IndexPath));
        foreach (var fragment in fragments)
        {
            Assert.That(error.Message, Does.Contain(fragment));
        }
    }
}
