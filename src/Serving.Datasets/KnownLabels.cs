namespace Serving.Datasets;

/// <summary>Class names for formats that carry none (IDX): a <c>labels.txt</c> beside the files wins.</summary>
public static class KnownLabels
{
    public static readonly string[] FashionMnist =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static IReadOnlyList<string> ForIdx(string directory, int classCount)
    {
        var file = Path.Combine(directory, "labels.txt");
        if (File.Exists(file))
        {
            var names = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            return names.Length == classCount
                ? names
                : throw new DataFormatException(file, $"{names.Length} class names, but the labels use {classCount} classes");
        }
        var dirName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))).ToLowerInvariant();
        if (dirName.Contains("fashion") && classCount == 10)
            return FashionMnist;
        return Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }
}
