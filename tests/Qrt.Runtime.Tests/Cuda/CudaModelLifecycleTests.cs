using Qrt.Runtime.Tests.Goldens;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// A model on the CUDA device through the public API: a memory share too small is a clear error and leaves the
/// process able to load the model properly; a stream cancelled mid-way leaves the model generating as a fresh one.
/// </summary>
[TestFixture]
internal sealed class CudaModelLifecycleTests
{
    private static readonly GenerationOptions Greedy = new() { Temperature = 0, MaxTokens = 8, IgnoreEndOfSequence = true };

    /// <summary>A small model share and steps of 16 tokens, so that loading stays quick on the emulated device.</summary>
    private static QrtModelOptions OnCuda(double share) =>
        new() { Device = DeviceSelection.Cuda, MaxContextLength = 512, GpuMemoryUtilization = share, MaxStepTokens = 16 };

    [OneTimeSetUp]
    public void RequireDevice() => CudaStreamFixture.RequireCudaDevice();

    [Test]
    public void TooSmallAMemoryShare_IsAClearError_AndTheModelThenLoadsWithEnough()
    {
        var directory = GoldenCheckpoints.For(ModelGolden.Load("mistral-bf16"));
        // 10⁻⁶ of any GPU (80 KB of an 80 GB H100, 8 KB of the emulated 8 GiB) is less than the weights already take.
        var error = Assert.Throws<InsufficientDeviceMemoryException>(() => QrtModel.Load(directory, OnCuda(1e-6)));
        Assert.That(error!.Message, Does.Contain(directory).And.Contain("KV cache").And.Contain("GiB").And.Contain("raise the utilization"));

        using var model = QrtModel.Load(directory, OnCuda(0.02));
        Assert.That(model.Generate("Hello", Greedy).OutputTokenIds, Has.Count.EqualTo(8));
    }

    [Test]
    public async Task CancelMidStream_LeavesTheModelGeneratingAsAFreshOne()
    {
        var directory = GoldenCheckpoints.For(ModelGolden.Load("mistral-w4a16"));
        using var model = QrtModel.Load(directory, OnCuda(0.02));
        var expected = model.Generate("Tell me about the sea.", Greedy);
        using var cancellation = new CancellationTokenSource();
        var received = 0;
        await Assert.ThatAsync(async () =>
        {
            await foreach (var piece in model.StreamAsync("Tell me about the sea.", Greedy, cancellation.Token))
            {
                received += piece.TokenIds.Count;
                if (received >= 2)
                {
                    await cancellation.CancelAsync();
                }
            }
        }, Throws.InstanceOf<OperationCanceledException>());

        var afterwards = model.Generate("Tell me about the sea.", Greedy);
        Assert.That(afterwards.OutputTokenIds, Is.EqualTo(expected.OutputTokenIds));
    }
}
