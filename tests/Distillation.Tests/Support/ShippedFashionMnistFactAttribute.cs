namespace Distillation.Tests.Support;

/// <summary>A fact that needs the shipped Fashion-MNIST models and the real data beside the repository: skipped, naming what is missing.</summary>
public sealed class ShippedFashionMnistFactAttribute : FactAttribute
{
    private static readonly string Root = FindRoot();

    public static string Student => Path.Combine(Root, "models", "fashion-mnist", "student", "1", "model.onnx");
    public static string Teacher => Path.Combine(Root, "models", "fashion-mnist", "teacher", "1", "model.onnx");
    public static string Data => Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets", "fashion-mnist"));

    public ShippedFashionMnistFactAttribute()
    {
        var missing = new[] { Student, Teacher, Path.Combine(Data, "t10k-images-idx3-ubyte.gz") }.Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0)
            Skip = $"needs the shipped Fashion-MNIST models and data; missing: {string.Join(", ", missing)}";
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serving.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Serving.sln above {AppContext.BaseDirectory}");
    }
}
