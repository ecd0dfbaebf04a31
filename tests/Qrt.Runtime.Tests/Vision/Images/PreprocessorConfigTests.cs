using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>preprocessor_config.json of both processors, their defaults and every rejected value.</summary>
[TestFixture]
internal sealed class PreprocessorConfigTests
{
    private string _directory = string.Empty;

    [SetUp]
    public void SetUp() => _directory = Directory.CreateTempSubdirectory("qrt-preprocessor-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Read_Pixtral_TakesEveryKey()
    {
        var config = Read("""
            {"do_convert_rgb": true, "do_normalize": true, "do_rescale": true, "do_resize": true,
             "image_mean": [0.5, 0.25, 0.125], "image_std": [0.2, 0.3, 0.4],
             "image_processor_type": "PixtralImageProcessor", "patch_size": {"height": 16, "width": 14},
             "processor_class": "PixtralProcessor", "resample": 3, "rescale_factor": 0.00392156862745098,
             "size": {"longest_edge": 1024}}
            """);

        Assert.That(config.ImageMean, Is.EqualTo(new[] { 0.5, 0.25, 0.125 }));
        Assert.That(config.ImageStd, Is.EqualTo(new[] { 0.2, 0.3, 0.4 }));
        Assert.That(config.RescaleFactor, Is.EqualTo(0.00392156862745098));
        Assert.That((config.PatchHeight, config.PatchWidth), Is.EqualTo((16, 14)));
        Assert.That(config.LongestEdge, Is.EqualTo(1024));
        Assert.That(config.ImageProcessorType, Is.EqualTo("PixtralImageProcessor"));
        Assert.That(config.MinPixels, Is.Null);
    }

    [Test]
    public void Read_Qwen2Vl_TakesPixelBoundsAndDefaultsTheRest()
    {
        var config = Read("""
            {"min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2,
             "merge_size": 2, "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2VLProcessor"}
            """);

        Assert.That((config.MinPixels, config.MaxPixels), Is.EqualTo((3136, 12845056)));
        Assert.That((config.PatchHeight, config.PatchWidth), Is.EqualTo((14, 14)));
        Assert.That((config.TemporalPatchSize, config.MergeSize), Is.EqualTo((2, 2)));
        Assert.That(config.DoConvertRgb && config.DoResize && config.DoRescale && config.DoNormalize, Is.True);
        Assert.That(config.Resample, Is.EqualTo(3));
        Assert.That(config.RescaleFactor, Is.EqualTo(1.0 / 255.0));
        Assert.That(config.ImageMean, Is.EqualTo(new[] { 0.48145466, 0.4578275, 0.40821073 }));
        Assert.That(config.ImageStd, Is.EqualTo(new[] { 0.26862954, 0.26130258, 0.27577711 }));
    }

    [Test]
    public void Read_SizeWithShortestAndLongestEdge_KeepsBoth()
    {
        var config = Read("""{"size": {"shortest_edge": 3136, "longest_edge": 12845056}, "do_resize": false}""");

        Assert.That((config.ShortestEdge, config.LongestEdge), Is.EqualTo((3136, 12845056)));
        Assert.That(config.DoResize, Is.False);
    }

    [TestCase("""{"resample": 2}""", "'resample'", "only 3 (BICUBIC)")]
    [TestCase("""{"image_mean": [0.5, 0.5]}""", "'image_mean'", "3 numbers")]
    [TestCase("""{"image_std": [0.5, 0, 0.5]}""", "'image_std'", "positive")]
    [TestCase("""{"rescale_factor": -1}""", "'rescale_factor'", "positive")]
    [TestCase("""{"patch_size": {"height": 16}}""", "'patch_size.width'", "missing")]
    [TestCase("""{"min_pixels": "many"}""", "'min_pixels'", "32-bit integer")]
    [TestCase("""{"do_resize": 1}""", "'do_resize'", "true or false")]
    public void Read_BadValue_NamesTheFileAndKey(string json, string key, string problem)
    {
        var error = Assert.Throws<ModelFileException>(() => Read(json));

        Assert.That(error!.Message, Does.Contain(PreprocessorConfig.FileName).And.Contain(key).And.Contain(problem));
    }

    [Test]
    public void Read_NotJson_NamesTheFile()
    {
        var error = Assert.Throws<ModelFileException>(() => Read("{not json"));

        Assert.That(error!.Message, Does.Contain(PreprocessorConfig.FileName).And.Contain("not valid JSON"));
    }

    private PreprocessorConfig Read(string json)
    {
        var path = Path.Combine(_directory, PreprocessorConfig.FileName);
        File.WriteAllText(path, json);
        return PreprocessorConfig.Read(path);
    }
}
