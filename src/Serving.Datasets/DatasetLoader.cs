namespace Serving.Datasets;

public enum DatasetFormat
{
    Auto,
    Idx,
    Cifar10,
    Folder,
}

/// <summary>Options that say where the data is and how the validation split is carved.</summary>
public sealed record DatasetOptions(string Path, DatasetFormat Format = DatasetFormat.Auto, ColorMode Color = ColorMode.Auto,
    double ValidationFraction = 0.1, int SplitSeed = 42);

/// <summary>
/// Loads a dataset in any supported format and carves a seeded validation split out of the training data. The split
/// depends only on the dataset and <see cref="DatasetOptions.SplitSeed"/>, so training, calibration and evaluation
/// agree on which images are validation images, and the test split is never touched until final evaluation.
/// </summary>
public static class DatasetLoader
{
    public static DatasetSplits Load(DatasetOptions options)
    {
        var (train, test) = LoadTrainTest(options);
        var (fit, validation) = SplitValidation(train, options.ValidationFraction, options.SplitSeed);
        return new DatasetSplits(fit, validation, test);
    }

    public static (ImageDataset Train, ImageDataset Test) LoadTrainTest(DatasetOptions options)
    {
        var path = options.Path;
        if (!Directory.Exists(path))
            throw new DataFormatException(path, "dataset folder not found");
        var name = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path)));
        var format = options.Format == DatasetFormat.Auto ? Detect(path) : options.Format;
        switch (format)
        {
            case DatasetFormat.Idx:
                var train = ReadIdxSplit(path, "train", name, null);
                var test = ReadIdxSplit(path, "t10k", name, train.ClassNames);
                return (train, test);
            case DatasetFormat.Cifar10:
                return Cifar10Reader.Read(path, name);
            case DatasetFormat.Folder:
                var folderTrain = ImageFolderReader.Read(path, "train", options.Color, name);
                var color = folderTrain.Shape.Channels == 1 ? ColorMode.Grayscale : ColorMode.Rgb;
                var folderTest = ImageFolderReader.Read(path, "test", color, name, folderTrain.ClassNames);
                if (folderTest.Shape != folderTrain.Shape)
                    throw new DataFormatException(System.IO.Path.Combine(path, "test"), $"mixed image sizes: test images are {folderTest.Shape}, training images {folderTrain.Shape}");
                return (folderTrain, folderTest);
            default:
                throw new DataFormatException(path, "unknown dataset format");
        }
    }

    /// <summary>
    /// Only the test split, for tools that send or score test images and never train (the load generator): a folder
    /// without training files is enough. Class names come from the test split itself (for IDX, the known names of the
    /// dataset, or the label numbers).
    /// </summary>
    public static ImageDataset LoadTestSplit(DatasetOptions options)
    {
        var path = options.Path;
        if (!Directory.Exists(path))
            throw new DataFormatException(path, "dataset folder not found");
        var name = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path)));
        var format = options.Format != DatasetFormat.Auto ? options.Format
            : FindIdx(path, "t10k", "images") is not null ? DatasetFormat.Idx
            : File.Exists(System.IO.Path.Combine(path, "test_batch.bin")) ? DatasetFormat.Cifar10
            : Directory.Exists(System.IO.Path.Combine(path, "test")) ? DatasetFormat.Folder
            : throw new DataFormatException(path,
                "cannot find a test split: expected IDX files (t10k-images-idx3-ubyte[.gz]), a CIFAR-10 test_batch.bin or a test/<class>/ folder");
        return format switch
        {
            DatasetFormat.Idx => ReadIdxSplit(path, "t10k", name, null),
            DatasetFormat.Cifar10 => Cifar10Reader.ReadTest(path, name),
            DatasetFormat.Folder => ImageFolderReader.Read(path, "test", options.Color, name),
            _ => throw new DataFormatException(path, "unknown dataset format"),
        };
    }

    public static DatasetFormat Detect(string path)
    {
        if (FindIdx(path, "train", "images") is not null)
            return DatasetFormat.Idx;
        if (Cifar10Reader.LooksLikeCifar10(path))
            return DatasetFormat.Cifar10;
        if (ImageFolderReader.LooksLikeImageFolder(path))
            return DatasetFormat.Folder;
        throw new DataFormatException(path,
            "cannot tell the dataset format: expected IDX files (train-images-idx3-ubyte[.gz]), CIFAR-10 batches (data_batch_1.bin) or image folders (train/<class>/*.png)");
    }

    public static (ImageDataset Fit, ImageDataset Validation) SplitValidation(ImageDataset train, double fraction, int seed)
    {
        var (fit, validation) = HeldOutParts.ValidationIndices(train.Count, fraction, seed);
        return (train.Subset(fit), train.Subset(validation));
    }

    private static ImageDataset ReadIdxSplit(string path, string split, string name, IReadOnlyList<string>? classNames)
    {
        var images = FindIdx(path, split, "images")
            ?? throw new DataFormatException(System.IO.Path.Combine(path, $"{split}-images-idx3-ubyte"), "file not found (.gz or raw)");
        var labelsFile = FindIdx(path, split, "labels")
            ?? throw new DataFormatException(System.IO.Path.Combine(path, $"{split}-labels-idx1-ubyte"), "file not found (.gz or raw)");
        var (pixels, labels, shape) = IdxReader.ReadSplit(images, labelsFile);
        var classCount = labels.Length == 0 ? 0 : labels.Max() + 1;
        if (classNames is null)
        {
            if (classCount < 2)
                throw new DataFormatException(labelsFile, $"labels use {classCount} class(es); a classifier needs at least 2");
            classNames = KnownLabels.ForIdx(path, classCount);
        }
        else if (classCount > classNames.Count)
        {
            throw new DataFormatException(labelsFile, $"label {classCount - 1} is outside the {classNames.Count} training classes");
        }
        return new ImageDataset(pixels, labels, shape, classNames, name);
    }

    private static string? FindIdx(string path, string split, string kind)
    {
        var stem = kind == "images" ? $"{split}-images-idx3-ubyte" : $"{split}-labels-idx1-ubyte";
        foreach (var candidate in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx", StringComparison.Ordinal) })
        {
            var file = System.IO.Path.Combine(path, candidate);
            if (File.Exists(file))
                return file;
        }
        return null;
    }
}
