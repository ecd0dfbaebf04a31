using NUnit.Framework;
using Qrt.Runtime.Interop;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// CUDA graphs through the managed API: a decode-shaped step captured once and replayed after new inputs are written
/// into the same device tensors gives, at every replay, the bits of the same ops run eagerly on those inputs (the same
/// kernels in the same order); scratch memory that would grow during a capture is refused, naming its slot, and the
/// capture then fails at its end while the stream keeps working.
/// </summary>
[TestFixture]
internal sealed class CudaGraphTests : CudaStreamFixture
{
    private const int Vocab = 50;
    private const int Hidden = 64;
    private const int Out = 40;
    private const int Tokens = 3;

    [Test]
    public void Replay_AfterNewInputs_GivesTheEagerBits()
    {
        var data = new TestData(20261208);
        using var ids = QrtTensor.FromData<int>(new int[Tokens], DType.I32, [Tokens], Gpu);
        // 16-bit activations, as decode on a GPU runs (the CUDA GEMM takes BF16 or F16).
        using var table = QrtTensor.FromFloats(data.Normal(Vocab * Hidden), DType.BF16, [Vocab, Hidden], Gpu);
        using var norm = QrtTensor.FromFloats(data.Uniform(Hidden, 0.5f, 1.5f), DType.BF16, [Hidden], Gpu);
        using var weight = QrtTensor.FromFloats(data.Normal(Out * Hidden, 0.2), DType.BF16, [Out, Hidden], Gpu);
        using var hidden = QrtTensor.Empty(DType.BF16, [Tokens, Hidden], Gpu);
        using var normed = QrtTensor.Empty(DType.BF16, [Tokens, Hidden], Gpu);
        using var logits = QrtTensor.Empty(DType.F32, [Tokens, Out], Gpu);
        using var best = QrtTensor.Empty(DType.I32, [Tokens], Gpu);
        void Step()
        {
            Qrt.Runtime.Ops.Embedding(Stream, ids, table, hidden);
            Qrt.Runtime.Ops.RmsNorm(Stream, hidden, norm, 1e-5f, normed);
            Qrt.Runtime.Ops.Gemm(Stream, normed, weight, null, logits);
            Qrt.Runtime.Ops.Argmax(Stream, logits, best);
        }

        (float[] Logits, int[] Best) Results()
        {
            Stream.Synchronize();
            return (logits.ToArray<float>(), best.ToArray<int>());
        }

        void Poison()
        {
            Stream.Synchronize();
            logits.CopyFrom<float>(Enumerable.Repeat(float.NaN, Tokens * Out).ToArray());
            best.CopyFrom<int>(Enumerable.Repeat(-1, Tokens).ToArray());
        }

        Poison();
        using var graph = Capture(Stream, () =>
        {
            Assert.That(Stream.IsCapturing, Is.True);
            Step();
        });
        Assert.That(Stream.IsCapturing, Is.False);
        Assert.That(Results().Best, Is.All.EqualTo(-1), "captured work is recorded, not run");

        for (var round = 0; round < 4; round++)
        {
            var newIds = Enumerable.Range(0, Tokens).Select(t => (round * 17 + t * 11) % Vocab).ToArray();
            Stream.Synchronize();
            ids.CopyFrom<int>(newIds);
            Poison();
            Step();
            var eager = Results();
            Poison();
            graph.Launch(Stream);
            var replay = Results();
            Assert.That(BitsOf(replay.Logits), Is.EqualTo(BitsOf(eager.Logits)), $"logits of round {round}");
            Assert.That(replay.Best, Is.EqualTo(eager.Best), $"argmax of round {round}");
            Assert.That(eager.Best, Is.All.InRange(0, Out - 1));
        }
    }

    [Test]
    public void Linear_CapturedAtAShapeSeenBefore_ReplaysItsScratchUse()
    {
        using var layer = Int8Layer(out var data);
        const int rows = 7;
        using var x = QrtTensor.FromFloats(Values(data, rows * Hidden), DType.BF16, [rows, Hidden], Gpu);
        using var y = QrtTensor.Empty(DType.BF16, [rows, Out], Gpu);
        layer.Forward(Stream, x, y);  // puts the scratch slots in place at this shape

        using var graph = Capture(Stream, () => layer.Forward(Stream, x, y));

        for (var round = 0; round < 3; round++)
        {
            Stream.Synchronize();
            x.CopyFrom<ushort>(Bf16Bits(Values(data, rows * Hidden)));
            layer.Forward(Stream, x, y);
            Stream.Synchronize();
            var eager = y.ToArray<ushort>();
            y.CopyFrom<ushort>(new ushort[rows * Out]);
            graph.Launch(Stream);
            Stream.Synchronize();
            Assert.That(y.ToArray<ushort>(), Is.EqualTo(eager), $"round {round}");
            Assert.That(eager, Has.Some.Not.EqualTo((ushort)0));
        }
    }

    [Test]
    public void ScratchGrowth_DuringCapture_IsRefusedNamingTheSlot()
    {
        using var layer = Int8Layer(out var data);
        using var stream = new QrtStream(Gpu);
        const int rows = 33;
        using var x = QrtTensor.FromFloats(Values(data, rows * Hidden), DType.BF16, [rows, Hidden], Gpu);
        using var y = QrtTensor.Empty(DType.BF16, [rows, Out], Gpu);

        stream.BeginCapture();
        var refused = Assert.Throws<InvalidOperationException>(() => layer.Forward(stream, x, y));
        Assert.That(refused!.Message, Does.Contain(nameof(ScratchSlot.QuantizedActivations)).And.Contain("captures"));
        var ended = Assert.Throws<InvalidOperationException>(() => stream.EndCapture());
        Assert.That(ended!.Message, Does.Contain("invalid").And.Contain(nameof(ScratchSlot.QuantizedActivations)));
        Assert.That(stream.IsCapturing, Is.False);

        // Outside a capture the slot grows as before, and the next capture is clean.
        layer.Forward(stream, x, y);
        stream.Synchronize();
        var eager = y.ToArray<ushort>();
        using var graph = Capture(stream, () => layer.Forward(stream, x, y));
        y.CopyFrom<ushort>(new ushort[rows * Out]);
        graph.Launch(stream);
        stream.Synchronize();
        Assert.That(y.ToArray<ushort>(), Is.EqualTo(eager));
    }

    [Test]
    public void Synchronize_DuringCapture_IsRefusedAndTheCaptureFails()
    {
        using var stream = new QrtStream(Gpu);
        using var a = QrtTensor.FromFloats([1f, 2f], DType.F32, [2], Gpu);
        using var b = QrtTensor.Empty(DType.F32, [2], Gpu);
        stream.BeginCapture();
        Qrt.Runtime.Ops.Copy(stream, a, b);
        var refused = Assert.Throws<QrtException>(() => stream.Synchronize());
        Assert.That(refused!.Status, Is.EqualTo(QrtStatus.Unsupported));
        Assert.That(refused.Message, Does.Contain("qrt_stream_synchronize").And.Contain("capturing"));
        var ended = Assert.Throws<QrtException>(() => stream.EndCapture());
        Assert.That(ended!.Message, Does.Contain("qrt_stream_end_capture").And.Contain("qrt_stream_synchronize"));

        Qrt.Runtime.Ops.Copy(stream, a, b);
        stream.Synchronize();
        Assert.That(b.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void Graph_AfterDispose_CannotLaunch()
    {
        using var stream = new QrtStream(Gpu);
        stream.BeginCapture();
        var graph = stream.EndCapture();
        graph.Launch(stream);
        graph.Dispose();
        Assert.Throws<ObjectDisposedException>(() => graph.Launch(stream));
    }

    /// <summary>Captures `step` on a stream; a failing step still ends the capture, so that later tests find it closed.</summary>
    private static QrtGraph Capture(QrtStream stream, Action step)
    {
        stream.BeginCapture();
        try
        {
            step();
        }
        catch
        {
            try
            {
                stream.EndCapture().Dispose();
            }
            catch (Exception ended) when (ended is QrtException or InvalidOperationException)
            {
                // The step's own failure is the one to report.
            }

            throw;
        }

        return stream.EndCapture();
    }

    private static Int8Linear Int8Layer(out TestData data)
    {
        data = new TestData(20261209);
        var codes = Enumerable.Range(0, Out * Hidden).Select(i => (sbyte)((i * 37 % 255) - 127)).ToArray();
        var scales = Enumerable.Range(0, Out).Select(i => 0.001f * (i + 1)).ToArray();
        return new Int8Linear(
            QrtTensor.FromData<sbyte>(codes, DType.I8, [Out, Hidden], Gpu),
            QrtTensor.FromFloats(scales, DType.F32, [Out], Gpu));
    }

    private static float[] Values(TestData data, int count) => data.Uniform(count, -3f, 3f);

    private static ushort[] Bf16Bits(float[] values)
    {
        using var tensor = QrtTensor.FromFloats(values, DType.BF16, [values.Length]);
        return tensor.ToArray<ushort>();
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
