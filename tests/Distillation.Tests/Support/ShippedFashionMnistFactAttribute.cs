namespace Distillation.Tests.Support;

/// <summary>A fact that needs the shipped Fashion-MNIST models and the real data beside the repository: skipped, naming what is missing.</summary>
public sealed class ShippedFashionMnistFactAttribute : FactAttribute
{
    public static string Student => Path.Combine(RepositoryPaths.FashionMnistModels, "fashion-mnist", "student", "1", "model.onnx");
    public static string Teacher => Path.Combine(RepositoryPaths.FashionMnistModels, "fashion-mnist", "teacher", "1", "model.onnx");

    public ShippedFashionMnistFactAttribute()
    {
        var missing = new[] { Student, Teacher, Path.Combine(RepositoryPaths.FashionMnistData, "t10k-images-idx3-ubyte.gz") }
            .Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0)
            Skip = $"needs the shipped Fashion-MNIST models and data; missing: {string.Join(", ", missing)}";
    }
}
