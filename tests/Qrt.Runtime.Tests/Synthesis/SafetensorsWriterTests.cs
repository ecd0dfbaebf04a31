using System.Text;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary>The streaming safetensors writer against bytes assembled by hand.</summary>
[TestFixture]
internal sealed class SafetensorsWriterTests
{
    [Test]
    public void Write_ProducesTheBytesOfTheFormat()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("two.safetensors");
        byte[] b = [0x01, 0xFF, 0x80];
        byte[] a = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]; // F32 1.0, -2.0 little-endian

        // Given out of order: the file lists tensors by name.
        SafetensorsWriter.Write(
            path,
            [new SafetensorsTensorInfo("b", SafetensorsDType.I8, [3]), new SafetensorsTensorInfo("a", SafetensorsDType.F32, [2])],
            info => info.Name == "a" ? a : b);

        var json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[8,11]}}";
        var header = Encoding.ASCII.GetBytes(json).ToList();
        while (header.Count % 8 != 0)
        {
            header.Add((byte)' ');
        }

        var expected = BitConverter.GetBytes((ulong)header.Count).Concat(header).Concat(a).Concat(b).ToArray();
        Assert.That(BitConverter.IsLittleEndian, Is.True, "the expected length prefix is built with the host byte order");
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected));
    }

    [Test]
    public void Write_ScalarAndBf16_ReadBackThroughTheReader()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("scalar.safetensors");
        SafetensorsWriter.Write(
            path,
            [new SafetensorsTensorInfo("s", SafetensorsDType.F32, []), new SafetensorsTensorInfo("w", SafetensorsDType.BF16, [1, 2])],
            info => info.Name == "s" ? new byte[] { 0, 0, 0x40, 0x40 } : new byte[] { 0x80, 0x3F, 0x00, 0xC0 });
        using var file = SafetensorsFile.Open(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(file.TensorsByName["s"].ToString(), Is.EqualTo("s F32 []"));
            Assert.That(file.TensorsByName["w"].ToString(), Is.EqualTo("w BF16 [1, 2]"));
            Assert.That(file.Bytes(file.TensorsByName["w"]).ToArray(), Is.EqualTo(new byte[] { 0x80, 0x3F, 0x00, 0xC0 }));
        }
    }

    [Test]
    public void Write_OfTheWrongByteCount_Throws()
    {
        using var directory = new TemporaryDirectory();
        Assert.That(
            () => SafetensorsWriter.Write(directory.File("bad.safetensors"), [new SafetensorsTensorInfo("x", SafetensorsDType.I32, [2])], _ => new byte[4]),
            Throws.InvalidOperationException.With.Message.Contains("'x'").And.Message.Contains("8"));
    }
}
