using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>Decoding of files written byte by byte by <see cref="ImageFiles" />, alpha handling and every error path.</summary>
[TestFixture]
internal sealed class ImageDecoderTests
{
    private static readonly byte[] TwoByTwo = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];

    [Test]
    public void Decode_RgbPng_GivesTheWrittenPixels()
    {
        var png = ImageFiles.Png(2, 2, ImageFiles.Rgb, [TwoByTwo[..6], TwoByTwo[6..]]);

        var image = ImageDecoder.Decode(png);

        Assert.That((image.Width, image.Height), Is.EqualTo((2, 2)));
        Assert.That(image.Pixels, Is.EqualTo(TwoByTwo));
    }

    [Test]
    public void Decode_GreyPng_ReplicatesTheGreyLevel()
    {
        var png = ImageFiles.Png(3, 1, ImageFiles.Grey, [[0, 128, 255]]);

        var image = ImageDecoder.Decode(png);

        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 0, 0, 0, 128, 128, 128, 255, 255, 255 }));
    }

    [Test]
    public void Decode_RgbaPng_DiscardsAlphaByDefault()
    {
        var png = ImageFiles.Png(2, 1, ImageFiles.Rgba, [[200, 100, 50, 0, 10, 20, 30, 128]]);

        var image = ImageDecoder.Decode(png);

        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 200, 100, 50, 10, 20, 30 }));
    }

    [Test]
    public void Decode_RgbaPng_CompositesOnWhiteWithPillowsRounding()
    {
        byte[] row = [200, 100, 50, 0, 10, 20, 30, 128, 0, 0, 0, 255, 90, 180, 7, 77];
        var png = ImageFiles.Png(4, 1, ImageFiles.Rgba, [row]);

        var image = ImageDecoder.Decode(png, alpha: AlphaHandling.CompositeOnWhite);

        // Exact rounding of (255·(255 − a) + c·a) / 255, which Pillow's DIV255 gives for every 8-bit blend:
        // a = 0 → white; a = 128: (255·127 + 10·128) / 255 = 132.02 → 132, (… + 20·128) / 255 = 137.04 → 137,
        // (… + 30·128) / 255 = 142.06 → 142; a = 255 → the colour; a = 77: (255·178 + 90·77)/255 = 205.18 → 205,
        // (255·178 + 180·77)/255 = 232.35 → 232, (255·178 + 7·77)/255 = 180.11 → 180.
        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 255, 255, 255, 132, 137, 142, 0, 0, 0, 205, 232, 180 }));
    }

    [Test]
    public void BlendOnWhite_IsTheRoundedBlendForEveryColourAndAlpha()
    {
        for (var alpha = 0; alpha < 256; alpha++)
        {
            for (var colour = 0; colour < 256; colour++)
            {
                var exact = ((255.0 * (255 - alpha)) + (colour * alpha)) / 255.0;
                var expected = (int)Math.Floor(exact + 0.5);
                Assert.That(RgbConversion.BlendOnWhite((byte)colour, (byte)alpha), Is.EqualTo(expected), $"c={colour} a={alpha}");
            }
        }
    }

    [Test]
    public void Decode_GreyAlphaPng_ReplicatesGreyAndHonoursTheAlphaMode()
    {
        var png = ImageFiles.Png(2, 1, ImageFiles.GreyAlpha, [[60, 255, 60, 0]]);

        Assert.That(ImageDecoder.Decode(png).Pixels, Is.EqualTo(new byte[] { 60, 60, 60, 60, 60, 60 }));
        Assert.That(ImageDecoder.Decode(png, alpha: AlphaHandling.CompositeOnWhite).Pixels,
            Is.EqualTo(new byte[] { 60, 60, 60, 255, 255, 255 }));
    }

    [Test]
    public void Decode_PalettePngWithTransparency_LooksUpColoursAndHonoursTheAlphaMode()
    {
        byte[] palette = [255, 0, 0, 0, 0, 255];
        var png = ImageFiles.Png(2, 1, ImageFiles.Palette, [[0, 1]], palette, transparency: [255, 0]);

        Assert.That(ImageDecoder.Decode(png).Pixels, Is.EqualTo(new byte[] { 255, 0, 0, 0, 0, 255 }));
        Assert.That(ImageDecoder.Decode(png, alpha: AlphaHandling.CompositeOnWhite).Pixels,
            Is.EqualTo(new byte[] { 255, 0, 0, 255, 255, 255 }));
    }

    [Test]
    public void Decode_Bmp_GivesTheWrittenPixelsTopDown()
    {
        byte[] rgb = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
        var image = ImageDecoder.Decode(ImageFiles.Bmp(3, 2, rgb));

        Assert.That((image.Width, image.Height), Is.EqualTo((3, 2)));
        Assert.That(image.Pixels, Is.EqualTo(rgb));
    }

    [Test]
    public void Decode_Gif_LooksUpThePaletteOfTheFirstFrame()
    {
        byte[] palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        var gif = ImageFiles.Gif(2, 2, palette, [1, 2, 3, 0]);

        var image = ImageDecoder.Decode(gif);

        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0 }));
    }

    [Test]
    public void Decode_GifWithTransparentIndex_CompositesItOnWhite()
    {
        byte[] palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        var gif = ImageFiles.Gif(2, 1, palette, [1, 2], transparentIndex: 2);

        var image = ImageDecoder.Decode(gif, alpha: AlphaHandling.CompositeOnWhite);

        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 255, 0, 0, 255, 255, 255 }));
        // stb_image leaves transparent GIF pixels black (PIL would keep the palette colour, green here).
        Assert.That(ImageDecoder.Decode(gif).Pixels, Is.EqualTo(new byte[] { 255, 0, 0, 0, 0, 0 }));
    }

    [TestCase((byte)200, (byte)100, (byte)50)]
    [TestCase((byte)128, (byte)128, (byte)128)]
    [TestCase((byte)10, (byte)240, (byte)180)]
    public void Decode_FlatJpeg_IsTheColourWithinJpegRounding(byte red, byte green, byte blue)
    {
        var image = ImageDecoder.Decode(ImageFiles.FlatJpeg(red, green, blue));

        Assert.That((image.Width, image.Height), Is.EqualTo((8, 8)));
        for (var pixel = 0; pixel < 64; pixel++)
        {
            Assert.That(image.Pixels[3 * pixel], Is.EqualTo(red).Within(3), $"R of pixel {pixel}");
            Assert.That(image.Pixels[(3 * pixel) + 1], Is.EqualTo(green).Within(3), $"G of pixel {pixel}");
            Assert.That(image.Pixels[(3 * pixel) + 2], Is.EqualTo(blue).Within(3), $"B of pixel {pixel}");
        }
    }

    [Test]
    public void Decode_FromFileAndSpan_MatchesDecodeFromArray()
    {
        var png = ImageFiles.Png(2, 2, ImageFiles.Rgb, [TwoByTwo[..6], TwoByTwo[6..]]);
        var path = Path.Combine(Path.GetTempPath(), $"qrt-image-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        try
        {
            Assert.That(ImageDecoder.Decode(path).Pixels, Is.EqualTo(TwoByTwo));
            Assert.That(ImageDecoder.Decode((ReadOnlySpan<byte>)png).Pixels, Is.EqualTo(TwoByTwo));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Decode_MissingFile_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qrt-missing-{Guid.NewGuid():N}.png");

        var error = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(path));

        Assert.That(error!.Message, Does.StartWith(path).And.Contain("does not exist"));
        Assert.That(error.ImageName, Is.EqualTo(path));
    }

    [Test]
    public void Decode_Empty_SaysItIsEmpty()
    {
        var error = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(Array.Empty<byte>()));

        Assert.That(error!.Message, Does.StartWith("image data:").And.Contain("empty"));
    }

    [Test]
    public void Decode_Garbage_SaysItIsNotASupportedImage()
    {
        byte[] garbage = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

        var error = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(garbage, "upload.bin"));

        Assert.That(error!.Message, Does.StartWith("upload.bin:").And.Contain("not a supported image").And.Contain("0102030405060708"));
    }

    [Test]
    public void Decode_WebP_SaysWebPIsNotSupported()
    {
        byte[] webp = [.. "RIFF"u8, 26, 0, 0, 0, .. "WEBPVP8L"u8, 0, 0, 0, 0, 0, 0, 0, 0];

        var error = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(webp, "photo.webp"));

        Assert.That(error!.Message, Does.StartWith("photo.webp:").And.Contain("WebP"));
    }

    [TestCase(9)]
    [TestCase(20)]
    [TestCase(40)]
    [TestCase(-12)]
    public void Decode_TruncatedPng_ThrowsImageFormatException(int keep)
    {
        var png = ImageFiles.Png(2, 2, ImageFiles.Rgb, [TwoByTwo[..6], TwoByTwo[6..]]);
        var truncated = png[..(keep > 0 ? keep : png.Length + keep)];

        var error = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(truncated, "cut.png"));

        Assert.That(error!.Message, Does.StartWith("cut.png:"));
    }

    [Test]
    public void Decode_TruncatedJpegAndBmp_ThrowImageFormatException()
    {
        var jpeg = ImageFiles.FlatJpeg(1, 2, 3);
        var bmp = ImageFiles.Bmp(3, 2, new byte[18]);

        Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(jpeg[..30], "cut.jpg"));
        Assert.That(Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(jpeg[..^2], "cut.jpg"))!.Message,
            Does.Contain("end-of-image"));
        Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(bmp[..40], "cut.bmp"));
        Assert.That(Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(bmp[..^3], "cut.bmp"))!.Message,
            Does.Contain("pixel data"));
    }

    [Test]
    public void Decode_TruncatedGif_ThrowsImageFormatException()
    {
        byte[] palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        var gif = ImageFiles.Gif(2, 2, palette, [1, 2, 3, 0]);

        Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(gif[..20], "cut.gif"));
    }

    [Test]
    public void Decode_AbsurdDimensions_AreRefusedBeforeDecoding()
    {
        // 20000 x 20000 = 4e8 pixels > 2^28: only the header is needed to refuse it.
        var png = ImageFiles.Png(20000, 20000, ImageFiles.Rgb, [[0, 0, 0]]);

        var error = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(png, "huge.png"));

        Assert.That(error!.Message, Does.StartWith("huge.png:").And.Contain("20000x20000"));
    }
}
