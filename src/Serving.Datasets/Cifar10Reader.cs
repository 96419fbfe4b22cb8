namespace Serving.Datasets;

/// <summary>
/// Reads the CIFAR-10 binary version: <c>data_batch_1..5.bin</c> and <c>test_batch.bin</c>, each record one label
/// byte then 3072 bytes of 32x32 RGB in channel-major order (which is already NCHW); class names from
/// <c>batches.meta.txt</c> when present.
/// </summary>
public static class Cifar10Reader
{
    public static readonly ImageShape Shape = new(3, 32, 32);
    private const int RecordSize = 1 + 3 * 32 * 32;

    private static readonly string[] DefaultNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public static bool LooksLikeCifar10(string directory) =>
        File.Exists(Path.Combine(directory, "data_batch_1.bin")) || File.Exists(Path.Combine(directory, "test_batch.bin"));

    public static (ImageDataset Train, ImageDataset Test) Read(string directory, string name)
    {
        var names = ReadNames(directory);
        var trainFiles = Enumerable.Range(1, 5).Select(i => Path.Combine(directory, $"data_batch_{i}.bin")).ToArray();
        foreach (var file in trainFiles)
        {
            if (!File.Exists(file))
                throw new DataFormatException(file, "file not found (CIFAR-10 needs data_batch_1.bin to data_batch_5.bin)");
        }
        var train = ReadBatches(trainFiles, names, name);
        var test = ReadBatches([Path.Combine(directory, "test_batch.bin")], names, name);
        return (train, test);
    }

    /// <summary>Only <c>test_batch.bin</c>: the training batches need not be there.</summary>
    public static ImageDataset ReadTest(string directory, string name) =>
        ReadBatches([Path.Combine(directory, "test_batch.bin")], ReadNames(directory), name);

    public static ImageDataset ReadBatches(IReadOnlyList<string> files, IReadOnlyList<string> names, string name)
    {
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
                throw new DataFormatException(file, "file not found");
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length == 0)
                throw new DataFormatException(file, "empty file");
            if (bytes.Length % RecordSize != 0)
                throw new DataFormatException(file, $"truncated file: {bytes.Length} bytes is not a whole number of {RecordSize}-byte records");
            var count = bytes.Length / RecordSize;
            var block = new byte[count * Shape.Size];
            for (var i = 0; i < count; i++)
            {
                var label = bytes[i * RecordSize];
                if (label >= names.Count)
                    throw new DataFormatException(file, $"record {i} has label {label}, but there are {names.Count} classes");
                labels.Add(label);
                Buffer.BlockCopy(bytes, i * RecordSize + 1, block, i * Shape.Size, Shape.Size);
            }
            pixels.Add(block);
        }
        return new ImageDataset(pixels.SelectMany(p => p).ToArray(), labels.ToArray(), Shape, names, name);
    }

    private static IReadOnlyList<string> ReadNames(string directory)
    {
        var meta = Path.Combine(directory, "batches.meta.txt");
        if (!File.Exists(meta))
            return DefaultNames;
        var names = File.ReadAllLines(meta).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return names.Length == 10 ? names : throw new DataFormatException(meta, $"expected 10 class names, found {names.Length}");
    }
}
