using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Ops.Core;
using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
internal sealed class ProcessHealthTests : CpuStreamFixture
{
    public static IEnumerable<TestCaseData> Failures()
    {
        yield return Failure("wrong dtype", typeof(QrtException), QrtStatus.InvalidArgument, stream =>
        {
            using var ints = QrtTensor.Zeros(DType.I32, [3, 7]);
            using var floats = QrtTensor.Zeros(DType.F32, [3, 7]);
            Qrt.Runtime.Ops.Add(stream, ints, floats, floats);
        });
        yield return Failure("mismatched shape", typeof(QrtException), QrtStatus.InvalidArgument, stream =>
        {
            using var a = QrtTensor.Zeros(DType.F32, [3, 4]);
            using var b = QrtTensor.Zeros(DType.BF16, [4, 3]);
            Qrt.Runtime.Ops.Copy(stream, a, b);
        });
        yield return Failure("overlapping output", typeof(QrtException), QrtStatus.InvalidArgument, stream =>
        {
            using var buffer = QrtTensor.Zeros(DType.F32, [16]);
            using var front = buffer.Slice(0, 0, 9);
            using var back = buffer.Slice(0, 4, 9);
            Qrt.Runtime.Ops.Copy(stream, front, back);
        });
        yield return Failure("id out of range", typeof(QrtException), QrtStatus.InvalidArgument, stream =>
        {
            using var ids = QrtTensor.FromData<int>([1, 99], DType.I32, [2]);
            using var table = QrtTensor.Zeros(DType.F32, [5, 3]);
            using var y = QrtTensor.Zeros(DType.F32, [2, 3]);
            Qrt.Runtime.Ops.Embedding(stream, ids, table, y);
        });
        yield return Failure("unknown activation", typeof(QrtException), QrtStatus.InvalidArgument, stream =>
        {
            using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
            Qrt.Runtime.Ops.Activate(stream, (Activation)42, x, x);
        });
        yield return Failure("NaN eps", typeof(QrtException), QrtStatus.InvalidArgument, stream =>
        {
            using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
            using var w = QrtTensor.Zeros(DType.F32, [7]);
            Qrt.Runtime.Ops.RmsNorm(stream, x, w, float.NaN, x);
        });
        yield return Failure("disposed tensor", typeof(ObjectDisposedException), null, stream =>
        {
            var x = QrtTensor.Zeros(DType.F32, [3, 7]);
            x.Dispose();
            Qrt.Runtime.Ops.Softmax(stream, x, x);
        });
        yield return Failure("disposed stream", typeof(ObjectDisposedException), null, _ =>
        {
            var stream = new QrtStream(Device.Cpu);
            stream.Dispose();
            using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
            Qrt.Runtime.Ops.Softmax(stream, x, x);
        });
        yield return Failure("rank above the limit", typeof(InvalidOperationException), null, stream =>
        {
            using var x = QrtTensor.Zeros(DType.F32, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
            Qrt.Runtime.Ops.Softmax(stream, x, x);
        });
        yield return Failure("memory exhausted", typeof(QrtException), QrtStatus.OutOfMemory, _ =>
            QrtTensor.Empty(DType.F32, [1L << 60]).Dispose());
        yield return Failure("a second CPU", typeof(QrtException), QrtStatus.BackendUnavailable, _ =>
            new QrtStream(new Device(Backend.Cpu, 1)).Dispose());
        yield return Failure("a GPU past the last one", typeof(QrtException), QrtStatus.BackendUnavailable, _ =>
            new QrtStream(Device.Cuda(Devices.Count(Backend.Cuda))).Dispose());
    }

    [TestCaseSource(nameof(Failures))]
    public void AFailingCall_RaisesItsExceptionWithTheRightStatus(Action<QrtStream> call, Type exceptionType, QrtStatus? status)
    {
        var error = Assert.Catch(() => call(Stream));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error, Is.TypeOf(exceptionType));
            if (status is { } expected)
            {
                Assert.That(((QrtException)error!).Status, Is.EqualTo(expected));
                Assert.That(error.Message, Does.Match("^qrt_[a-z0-9_]+: "), "the message starts with the libqrt function");
            }
        }
    }

    [Test]
    public void AfterABurstOfFailingCalls_ALargeOpIsStillRight()
    {
        var failures = Failures().Select(failure => (Action<QrtStream>)failure.Arguments[0]!).ToArray();
        for (var round = 0; round < 25; round++)
        {
            foreach (var failure in failures)
            {
                Assert.Catch(() => failure(Stream));
            }
        }

        const int Rows = 512, Hidden = 4096;
        var x = TestData.RoundedTo(DType.BF16, new TestData(151).Normal(Rows * Hidden));
        var w = TestData.RoundedTo(DType.BF16, new TestData(152).Uniform(Hidden, 0.5f, 1.5f));
        using var tx = QrtTensor.FromData<ushort>(x.Select(NumberFormats.FloatToBf16).ToArray(), DType.BF16, [Rows, Hidden]);
        using var tw = QrtTensor.FromData<ushort>(w.Select(NumberFormats.FloatToBf16).ToArray(), DType.BF16, [Hidden]);
        using var y = QrtTensor.Empty(DType.BF16, [Rows, Hidden]);

        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, 1e-6f, y);

        var actual = y.ToArray<ushort>().Select(NumberFormats.Bf16ToFloat).ToArray();
        Tolerance.AssertClose(actual, RmsNormTests.Reference(x, w, 1e-6f, DType.BF16), 0, RmsNormTests.Rtol(Hidden, DType.BF16, DType.BF16), "rms_norm of [512, 4096] after the failures");
    }

    [Test]
    public void ConcurrentFailures_EachReportTheirOwnMessage()
    {
        var mismatches = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            using var stream = new QrtStream(Device.Cpu);
            using var x = QrtTensor.Zeros(DType.F32, [2, 3]);
            using var ints = QrtTensor.Zeros(DType.I32, [2, 3]);
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    if (worker % 2 == 0)
                    {
                        Qrt.Runtime.Ops.Softmax(stream, ints, x);
                    }
                    else
                    {
                        Qrt.Runtime.Ops.Copy(stream, ints, x);
                    }
                }
                catch (QrtException error) when (error.Message.StartsWith(worker % 2 == 0 ? "qrt_softmax:" : "qrt_copy:", StringComparison.Ordinal))
                {
                    Qrt.Runtime.Ops.Add(stream, x, x, x);
                    continue;
                }
                catch (QrtException)
                {
                }

                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.That(mismatches, Is.Zero, "calls whose exception carried another thread's message, or that did not fail");
    }

    private static TestCaseData Failure(string name, Type exceptionType, QrtStatus? status, Action<QrtStream> call) =>
        new TestCaseData(call, exceptionType, status).SetArgDisplayNames(name);
}
