using System.Diagnostics.Metrics;
using Distillation.Inference;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;
using Serving.Onnx;

namespace EndToEnd.Tests;

/// <summary>
/// A calibrated threshold is a statement about the probabilities <c>calibrate</c> computed; it holds in production
/// only if the service computes the very same numbers for the same image.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ProbabilityParityTests
{
    private const int Classes = 5;
    private const double Temperature = 1.7;
    private static readonly long[] Shape = [1, 4, 4];

    [Fact]
    public async Task Probabilities_ServiceAndDistillationTool_BitForBitEqual()
    {
        using var dir = new TempDirectory();
        var random = new Random(7);
        var path = WriteLinearModel(dir.Combine("model.onnx"), random);
        var images = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 16).Select(_ => random.NextSingle()).ToArray()).ToArray();
        using var metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var sessions = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions()), NullLogger<OnnxSessionFactory>.Instance);
        using var model = OnnxModel.Load("parity", ModelRole.Student, new ModelFile("1", path), sessions);
        await using var batcher = new DynamicBatcher(model, new BatchingOptions(), instances: 1, new ServingMetrics(metricsServices.GetRequiredService<IMeterFactory>()));
        using var tool = new OnnxClassifier(path);

        // As 'calibrate' and 'evaluate' compute them: logits for all images, then probabilities row by row.
        var offline = Softmax.Rows(tool.Logits(images.SelectMany(i => i).ToArray(), images.Length), Classes, Temperature);
        for (var i = 0; i < images.Length; i++)
        {
            var served = await batcher.PredictAsync(images[i], Temperature, CancellationToken.None);
            var expected = offline.AsSpan(i * Classes, Classes).ToArray();

            Assert.Equal(expected, served.Probabilities);
            Assert.Equal(Softmax.ArgMax(expected), served.Index);
        }
    }

    private static string WriteLinearModel(string path, Random random)
    {
        var builder = new OnnxGraphBuilder();
        var flat = builder.Flatten(OnnxModelContract.InputName);
        var weights = Enumerable.Range(0, Classes * 16).Select(_ => random.NextSingle() * 8 - 4).ToArray();
        var logits = builder.Gemm(flat, weights, [Classes, 16], Enumerable.Range(0, Classes).Select(_ => random.NextSingle()).ToArray());
        builder.RenameOutput(logits, OnnxModelContract.OutputName);
        var labels = Enumerable.Range(0, Classes).Select(k => $"c{k}").ToArray();
        var metadata = new ModelMetadata { Labels = labels, Role = ModelRole.Student, Arch = "linear", Temperature = Temperature };
        OnnxModelFile.Write(builder.ToModel(Shape, Classes, metadata), path);
        return path;
    }
}
