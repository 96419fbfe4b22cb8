using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.FashionMnist;

/// <summary>
/// Real Fashion-MNIST images through a random linear 28x28 model: a lossless PNG of an image must reach the model as
/// exactly the pixels its tensor carries. Runs without the shipped models.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ImageParityTests
{
    [Fact]
    public async Task ClassifyStream_PngOfTestImage_SameProbabilitiesAsTensor()
    {
        var dataFile = Path.Combine(RepositoryPaths.FashionMnistData, "t10k-images-idx3-ubyte.gz");
        Assert.True(File.Exists(dataFile), $"the shared Fashion-MNIST test set is missing: {dataFile}");
        using var repository = new TempDirectory();
        using var samples = new TempDirectory();
        var random = new Random(7);
        string[] labels = [.. Enumerable.Range(0, 10).Select(i => $"c{i}")];
        long[] shape = [1, FashionMnistTestSet.Side, FashionMnistTestSet.Side];
        foreach (var role in new[] { ModelRole.Student, ModelRole.Teacher })
        {
            var weights = Enumerable.Range(0, 10 * 784).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
            TinyModels.WriteLinear(repository.Path, "fashion-mnist", role, "1", shape, labels, weights, threshold: 0.5);
        }
        var data = FashionMnistTestSet.Load(40);

        var asTensors = await FashionMnistClassification.ClassifyAll(repository.Path, samples.Path, 40,
            i => Requests.Tensor(data.Images[i].Select(b => b / 255f).ToArray(), topK: 10, shape: shape));
        var asPng = await FashionMnistClassification.ClassifyAll(repository.Path, samples.Path, 40,
            i =>
            {
                var request = Requests.Image(Requests.Png(data.Images[i], FashionMnistTestSet.Side, FashionMnistTestSet.Side));
                request.TopK = 10;
                return request;
            });

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(asTensors[i].LabelIndex, asPng[i].LabelIndex);
            Assert.Equal(asTensors[i].ServedBy, asPng[i].ServedBy);
            Assert.Equal(asTensors[i].Confidence, asPng[i].Confidence, 5);
        }
        Assert.Contains(asTensors, r => r.ServedBy == Serving.V1.ServedBy.Teacher);
    }
}
