using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.FashionMnist;

/// <summary>
/// A fact that needs the shipped Fashion-MNIST models and the test set: skipped, saying what is missing, until the
/// distillation issue ships the models (never a vacuous pass).
/// </summary>
public sealed class ShippedModelsFactAttribute : FactAttribute
{
    public ShippedModelsFactAttribute()
    {
        string[] required =
        [
            Path.Combine(RepositoryPaths.FashionMnistModels, "fashion-mnist", "student", "1", "model.onnx"),
            Path.Combine(RepositoryPaths.FashionMnistModels, "fashion-mnist", "teacher", "1", "model.onnx"),
            Path.Combine(RepositoryPaths.FashionMnistData, "t10k-images-idx3-ubyte.gz"),
            Path.Combine(RepositoryPaths.FashionMnistData, "t10k-labels-idx1-ubyte.gz"),
        ];
        var missing = required.Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0)
            Skip = $"needs the shipped Fashion-MNIST models and test set; missing: {string.Join(", ", missing)}";
    }
}
