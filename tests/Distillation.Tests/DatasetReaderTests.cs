using Distillation.Data;
using Distillation.Tests.Support;
using SkiaSharp;

namespace Distillation.Tests;

public sealed class DatasetReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadTrainTest_IdxGzipOrRaw_ReadsImagesAndLabels(bool gzip)
    {
        using var dir = new TempDirectory();
        var train = SyntheticImages.Create(40, seed: 1);
        var test = SyntheticImages.Create(12, seed: 2);
        IdxFiles.WriteDataset(dir.Path, train, test, gzip);

        var (readTrain, readTest) = DatasetLoader.LoadTrainTest(new DatasetOptions(dir.Path));

        Assert.Equal(train.Pixels, readTrain.Pixels);
        Assert.Equal(train.Labels, readTrain.Labels);
        Assert.Equal(new ImageShape(1, 12, 12), readTrain.Shape);
        Assert.Equal(12, readTest.Count);
        Assert.Equal(["0", "1", "2", "3"], readTrain.ClassNames);
    }

    [Fact]
    public void LoadTestSplit_IdxFolderWithoutTrainingFiles_ReadsTheTestImages()
    {
        using var dir = new TempDirectory();
        var test = SyntheticImages.Create(12, seed: 2);
        IdxFiles.WriteDataset(dir.Path, SyntheticImages.Create(40, seed: 1), test, gzip: true);
        foreach (var file in Directory.GetFiles(dir.Path, "train-*"))
            File.Delete(file);

        var read = DatasetLoader.LoadTestSplit(new DatasetOptions(dir.Path));

        Assert.Equal(test.Pixels, read.Pixels);
        Assert.Equal(test.Labels, read.Labels);
        Assert.Throws<DataFormatException>(() => DatasetLoader.LoadTrainTest(new DatasetOptions(dir.Path)));
    }

    [Fact]
    public void LoadTestSplit_NoTestSplit_SaysWhatItLookedFor()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.LoadTestSplit(new DatasetOptions(dir.Path)));

        Assert.Contains("cannot find a test split", error.Message);
    }

    [Fact]
    public void ReadImages_WrongMagic_NamesFileAndProblem()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("images");
        File.WriteAllBytes(path, IdxFiles.Images(SyntheticImages.Create(4), magic: 0x00000801));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, error.Path);
        Assert.Contains("wrong magic number", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedFile_Throws()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("images");
        var bytes = IdxFiles.Images(SyntheticImages.Create(4));
        File.WriteAllBytes(path, bytes[..^10]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedGzip_Throws()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("images.gz");
        var bytes = IdxFiles.Gzip(IdxFiles.Images(SyntheticImages.Create(50)));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReadSplit_CountMismatch_Throws()
    {
        using var dir = new TempDirectory();
        var data = SyntheticImages.Create(6);
        File.WriteAllBytes(dir.Combine("images"), IdxFiles.Images(data));
        File.WriteAllBytes(dir.Combine("labels"), IdxFiles.Labels(data.Labels.Take(5).ToArray()));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadSplit(dir.Combine("images"), dir.Combine("labels")));
        Assert.Contains("count mismatch", error.Message);
    }

    [Fact]
    public void ReadLabels_WrongMagic_Throws()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("labels"), IdxFiles.Labels([1, 2], magic: 0x00000803));
        Assert.Contains("wrong magic number", Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(dir.Combine("labels"))).Message);
    }

    [Fact]
    public void Detect_UnknownFolder_ExplainsExpectedLayouts()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Detect(dir.Path));
        Assert.Contains("cannot tell the dataset format", error.Message);
    }

    [Fact]
    public void Cifar10_ValidBatches_ReadAsRgbNchw()
    {
        using var dir = new TempDirectory();
        var random = new Random(5);
        byte[] Batch(int count, int labelOffset)
        {
            var bytes = new byte[count * 3073];
            random.NextBytes(bytes);
            for (var i = 0; i < count; i++)
                bytes[i * 3073] = (byte)((i + labelOffset) % 10);
            return bytes;
        }
        for (var b = 1; b <= 5; b++)
            File.WriteAllBytes(dir.Combine($"data_batch_{b}.bin"), Batch(3, b));
        var testBatch = Batch(4, 0);
        File.WriteAllBytes(dir.Combine("test_batch.bin"), testBatch);

        var (train, test) = DatasetLoader.LoadTrainTest(new DatasetOptions(dir.Path));

        Assert.Equal(15, train.Count);
        Assert.Equal(new ImageShape(3, 32, 32), test.Shape);
        Assert.Equal([0, 1, 2, 3], test.Labels);
        Assert.Equal(testBatch.AsSpan(3073 + 1, 3072).ToArray(), test.Image(1).ToArray());
        Assert.Equal("airplane", train.ClassNames[0]);
    }

    [Fact]
    public void Cifar10_TruncatedBatch_Throws()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("test_batch.bin"), new byte[3073 * 2 - 5]);
        var error = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadBatches([dir.Combine("test_batch.bin")], ["a", "b"], "x"));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void ImageFolder_GrayscaleAndRgb_ReadsClassesInNameOrder()
    {
        using var dir = new TempDirectory();
        WritePng(dir.Combine("train", "cat", "a.png"), 8, 8, new SKColor(200, 10, 10));
        WritePng(dir.Combine("train", "cat", "b.png"), 8, 8, new SKColor(10, 200, 10));
        WritePng(dir.Combine("train", "ant", "c.png"), 8, 8, new SKColor(10, 10, 200));
        WritePng(dir.Combine("test", "ant", "d.png"), 8, 8, new SKColor(10, 10, 200));
        WritePng(dir.Combine("test", "cat", "e.png"), 8, 8, new SKColor(10, 10, 200));

        var (train, test) = DatasetLoader.LoadTrainTest(new DatasetOptions(dir.Path));

        Assert.Equal(["ant", "cat"], train.ClassNames);
        Assert.Equal([0, 1, 1], train.Labels);
        Assert.Equal(new ImageShape(3, 8, 8), train.Shape);
        Assert.Equal(200, train.Image(1)[0]); // red plane of the first cat image
        Assert.Equal(2, test.Count);

        var gray = ImageFolderReader.Read(dir.Path, "train", ColorMode.Grayscale, "x");
        Assert.Equal(1, gray.Shape.Channels);
        Assert.Equal((byte)Math.Round(0.299 * 200 + 0.587 * 10 + 0.114 * 10), gray.Image(1)[0]);
    }

    [Fact]
    public void ImageFolder_EmptyClassFolder_Throws()
    {
        using var dir = new TempDirectory();
        WritePng(dir.Combine("train", "a", "1.png"), 4, 4, SKColors.White);
        Directory.CreateDirectory(dir.Combine("train", "b"));

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path, "train", ColorMode.Auto, "x"));
        Assert.Contains("empty class folder", error.Message);
        Assert.EndsWith("b", error.Path);
    }

    [Fact]
    public void ImageFolder_MixedSizes_Throws()
    {
        using var dir = new TempDirectory();
        WritePng(dir.Combine("train", "a", "1.png"), 4, 4, SKColors.White);
        WritePng(dir.Combine("train", "b", "2.png"), 5, 4, SKColors.White);

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path, "train", ColorMode.Auto, "x"));
        Assert.Contains("mixed image sizes", error.Message);
    }

    [Fact]
    public void ImageFolder_UndecodableImage_NamesTheFile()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("train", "a"));
        File.WriteAllText(dir.Combine("train", "a", "broken.png"), "not an image");

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path, "train", ColorMode.Auto, "x"));
        Assert.EndsWith("broken.png", error.Path);
    }

    [Fact]
    public void SplitValidation_SameSeed_SameDisjointSplit()
    {
        var data = SyntheticImages.Create(100);
        var (fitA, valA) = DatasetLoader.SplitValidation(data, 0.2, 7);
        var (_, valB) = DatasetLoader.SplitValidation(data, 0.2, 7);
        var (_, valC) = DatasetLoader.SplitValidation(data, 0.2, 8);

        Assert.Equal(20, valA.Count);
        Assert.Equal(80, fitA.Count);
        Assert.Equal(valA.Pixels, valB.Pixels);
        Assert.NotEqual(valA.Pixels, valC.Pixels);
    }

    private static void WritePng(string path, int width, int height, SKColor color)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
