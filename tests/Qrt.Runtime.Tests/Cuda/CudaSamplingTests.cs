using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// <see cref="Qrt.Runtime.Ops.Sample" /> on the device against the CPU op on the same inputs, through the managed API. Both backends
/// weigh every logit with the same correctly rounded operations and add the weights as integers (qrt.h), so the tokens
/// must match exactly; so must the counters, which the device op advances in device memory.
/// </summary>
[TestFixture]
internal sealed class CudaSamplingTests : CudaStreamFixture
{
    [TestCase(DType.F32, 16, 1000)]
    [TestCase(DType.BF16, 8, 32768)]
    [TestCase(DType.F16, 4, 4099)]
    public void Sample_OnTheDevice_DrawsTheCpuTokens(DType dtype, int rows, int vocabulary)
    {
        var data = new TestData(rows * 7 + vocabulary);
        using var logits = QrtTensor.FromFloats(data.Normal(rows * vocabulary, 3.0), dtype, [rows, vocabulary]);
        float[] temperatures = [1f, 0.6f, 0f, 1.4f];
        int[] topKs = [0, 40, 0, 0];
        float[] topPs = [1f, 1f, 1f, 0.9f];
        using var temperature = QrtTensor.FromData<float>(Enumerable.Range(0, rows).Select(r => temperatures[r % 4]).ToArray(), DType.F32, [rows]);
        using var topK = QrtTensor.FromData<int>(Enumerable.Range(0, rows).Select(r => topKs[r % 4]).ToArray(), DType.I32, [rows]);
        using var topP = QrtTensor.FromData<float>(Enumerable.Range(0, rows).Select(r => topPs[r % 4]).ToArray(), DType.F32, [rows]);
        using var seed = QrtTensor.FromData<long>(Enumerable.Range(0, rows).Select(r => 1000L + r).ToArray(), DType.I64, [rows]);
        using var counter = QrtTensor.FromData<long>(Enumerable.Range(0, rows).Select(r => 10L * r).ToArray(), DType.I64, [rows]);
        using var ids = QrtTensor.Zeros(DType.I32, [rows]);

        using var gLogits = logits.To(Gpu);
        using var gTemperature = temperature.To(Gpu);
        using var gTopK = topK.To(Gpu);
        using var gTopP = topP.To(Gpu);
        using var gSeed = seed.To(Gpu);
        using var gCounter = counter.To(Gpu);
        using var gIds = QrtTensor.Zeros(DType.I32, [rows], Gpu);

        using var cpu = new QrtStream(Device.Cpu);
        for (var call = 0; call < 2; call++)
        {
            Qrt.Runtime.Ops.Sample(cpu, logits, temperature, topK, topP, seed, counter, ids);
            Qrt.Runtime.Ops.Sample(Stream, gLogits, gTemperature, gTopK, gTopP, gSeed, gCounter, gIds);
            Stream.Synchronize();
            using var hostIds = gIds.To(Device.Cpu);
            Assert.That(hostIds.ToArray<int>(), Is.EqualTo(ids.ToArray<int>()), $"call {call}");
        }

        using var hostCounter = gCounter.To(Device.Cpu);
        Assert.That(hostCounter.ToArray<long>(), Is.EqualTo(Enumerable.Range(0, rows).Select(r => (10L * r) + 2).ToArray()));
    }
}
