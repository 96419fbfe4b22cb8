using Distillation.Data;
using Distillation.Inference;
using Distillation.Tests.Support;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;
using Serving.Onnx;

namespace Distillation.Tests;

public sealed class TeacherEnsembleTests
{
    [Fact]
    public void SoftTargets_TwoTeachers_AverageTheirSoftenedProbabilities()
    {
        using var dir = new TempDirectory();
        // Two linear "teachers" over a 1x2x2 input with fixed weights: their logits are easy to compute by hand.
        var a = WriteLinearModel(dir.Combine("a.onnx"), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
        var b = WriteLinearModel(dir.Combine("b.onnx"), [0, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0]);
        using var ensemble = new TeacherEnsemble([a, b], new ImageShape(1, 2, 2), 3);
        float[] pixels = [0.2f, 0.4f, 0.6f, 0.8f];

        var soft = ensemble.SoftTargets(pixels, 1, temperature: 2);

        var pa = Softmax.Rows(new float[] { 0.2f, 0.4f, 0.6f }, 3, 2);
        var pb = Softmax.Rows(new float[] { 1.6f, 1.2f, 0.8f }, 3, 2);
        for (var k = 0; k < 3; k++)
            Assert.Equal((pa[k] + pb[k]) / 2, soft[k], 5);
        Assert.Equal(1, soft.Sum(), 5);
    }

    [Fact]
    public void Constructor_TeacherWithOtherClassCount_Throws()
    {
        using var dir = new TempDirectory();
        var a = WriteLinearModel(dir.Combine("a.onnx"), new float[12]);
        var error = Assert.Throws<ArgumentException>(() => new TeacherEnsemble([a], new ImageShape(1, 2, 2), 5));
        Assert.Contains("3 classes", error.Message);
    }

    private static string WriteLinearModel(string path, float[] weight)
    {
        var graph = new OnnxGraphBuilder();
        var flat = graph.Flatten(OnnxModelContract.InputName);
        var logits = graph.Gemm(flat, weight, [3, 4], new float[3]);
        graph.RenameOutput(logits, OnnxModelContract.OutputName);
        var metadata = new ModelMetadata { Labels = ["x", "y", "z"], Role = ModelRole.Teacher, Arch = "linear" };
        OnnxModelFile.Write(graph.ToModel([1, 2, 2], 3, metadata), path);
        return path;
    }
}
