using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.FashionMnist;

/// <summary>The shipped models served end to end: the cascade keeps the teacher's accuracy, as tensors and as PNG.</summary>
[Collection(ServingCollection.Name)]
public sealed class FashionMnistAccuracyTests
{
    // The first 1 000 test images; the teacher reaches ≥ 94 % on the full set and the cascade stays within 0.2 pp of it.
    private const int Images = 1000;
    private const double MinimumAccuracy = 0.92;

    [ShippedModelsFact]
    public async Task ClassifyStream_TestImagesAsTensors_CascadeReachesExpectedAccuracy()
    {
        var data = FashionMnistTestSet.Load(Images);
        var predictions = await ClassifyAll(data, i => Requests.Tensor(data.Images[i].Select(b => b / 255f).ToArray(),
            shape: [1, FashionMnistTestSet.Side, FashionMnistTestSet.Side]));

        var accuracy = predictions.Select((p, i) => p.LabelIndex == data.Labels[i] ? 1.0 : 0.0).Average();
        var toTeacher = predictions.Count(p => p.ServedBy == ServedBy.Teacher) / (double)Images;
        Assert.True(accuracy >= MinimumAccuracy, $"cascade accuracy {accuracy:P2} is below {MinimumAccuracy:P0}");
        Assert.True(toTeacher <= 0.3, $"{toTeacher:P1} of images went to the teacher");
        Assert.DoesNotContain(predictions, p => p.Degraded);
    }

    [ShippedModelsFact]
    public async Task ClassifyStream_TestImagesAsPng_SameAccuracyAsTensors()
    {
        var data = FashionMnistTestSet.Load(Images);
        var predictions = await ClassifyAll(data, i => Requests.Image(Requests.Png(data.Images[i], FashionMnistTestSet.Side, FashionMnistTestSet.Side)));

        var accuracy = predictions.Select((p, i) => p.LabelIndex == data.Labels[i] ? 1.0 : 0.0).Average();
        Assert.True(accuracy >= MinimumAccuracy, $"PNG cascade accuracy {accuracy:P2} is below {MinimumAccuracy:P0}");
    }

    [ShippedModelsFact]
    public async Task ClassifyStream_Int8Student_SameAccuracyWithItsOwnThreshold()
    {
        var int8 = Path.Combine(RepositoryPaths.FashionMnistModels, "fashion-mnist", "student", "1", "model.int8.onnx");
        Assert.True(File.Exists(int8), $"the shipped int8 student is missing: {int8}");
        var data = FashionMnistTestSet.Load(Images);
        var predictions = await ClassifyAll(data, i => Requests.Tensor(data.Images[i].Select(b => b / 255f).ToArray(),
            shape: [1, FashionMnistTestSet.Side, FashionMnistTestSet.Side]), studentPrecision: "Int8");

        var accuracy = predictions.Select((p, i) => p.LabelIndex == data.Labels[i] ? 1.0 : 0.0).Average();
        var toTeacher = predictions.Count(p => p.ServedBy == ServedBy.Teacher) / (double)Images;
        Assert.True(accuracy >= MinimumAccuracy, $"int8 cascade accuracy {accuracy:P2} is below {MinimumAccuracy:P0}");
        Assert.True(toTeacher <= 0.3, $"{toTeacher:P1} of images went to the teacher");
        Assert.Contains(predictions, p => p.ServedBy == ServedBy.Student);
    }

    private static async Task<ClassifyResponse[]> ClassifyAll(FashionMnistTestSet data, Func<int, ClassifyRequest> request,
        string studentPrecision = "Fp32")
    {
        using var samples = new TempDirectory();
        return await FashionMnistClassification.ClassifyAll(RepositoryPaths.FashionMnistModels, samples.Path, data.Labels.Length, request,
            studentPrecision);
    }
}
