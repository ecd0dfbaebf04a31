using Qrt.Runtime.Generation;
using Qrt.Runtime.Models;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Loading;
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

    /// <summary>
    /// Decode steps replayed from the captured CUDA graph draw the same tokens as the same steps run eagerly: the
    /// capture covers the whole step (inputs written before each launch, the network, the sampler), and replay reads
    /// each step's new inputs. Seeded sampling (temperature 0.8, top-k 40, top-p 0.9), so the sampler's counter must
    /// advance as well; the tokens fed back are the golden's, so both runs see the same inputs whatever they draw.
    /// </summary>
    [TestCase("mistral-w4a16")]
    [TestCase("mixtral-fp8")]
    [TestCase("qwen2-vl-bf16")]
    public void GraphReplay_DrawsTheTokensOfEagerExecution(string name)
    {
        var golden = ModelGolden.Load(name);
        var directory = GoldenCheckpoints.For(golden);
        var sampling = new SamplingParameters { Temperature = 0.8f, TopK = 40, TopP = 0.9f, Seed = 5 };
        int[] Draws(bool eager)
        {
            using var loaded = TextModelLoader.Load(
                directory, Device.Cuda(0), 512, new DeviceMemoryOptions(0.02, 16), null, KernelLinearFactory.Instance, CancellationToken.None);
            var model = (DecoderModel)loaded.Model;
            model.EagerDecode = eager;
            var sampler = new TokenSampler(sampling);
            using var sequence = model.StartSequence();
            var prompt = golden.Vision is null ? golden.PromptIds : [.. golden.PromptIds.Where(id => id < model.VocabularySize).Take(8)];
            var drawn = new List<int> { sequence.AppendAndSample(new DecoderInput(prompt), sampler) };
            foreach (var token in golden.GreedyTokens)
            {
                drawn.Add(sequence.AppendAndSample(new DecoderInput([token]), sampler));
            }

            return [.. drawn];
        }

        Assert.That(Draws(eager: false), Is.EqualTo(Draws(eager: true)));
    }

    /// <summary>A one-token prompt on a fresh model: its first step is a decode step, run eagerly before any capture.</summary>
    [Test]
    public void OneTokenPrompt_OnAFreshModel_Decodes()
    {
        var directory = GoldenCheckpoints.For(ModelGolden.Load("qwen2-bf16"));
        using var loaded = TextModelLoader.Load(
            directory, Device.Cuda(0), 512, new DeviceMemoryOptions(0.02, 16), null, KernelLinearFactory.Instance, CancellationToken.None);
        var sampler = new TokenSampler(SamplingParameters.Greedy);
        using var gpu = loaded.Model.StartSequence();
        int[] tokens = [1, 0, 0, 0];
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            tokens[i + 1] = gpu.AppendAndSample(new DecoderInput([tokens[i]]), sampler);
        }

        Assert.That(tokens.Skip(1), Has.All.InRange(0, loaded.Model.VocabularySize - 1));
    }

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
