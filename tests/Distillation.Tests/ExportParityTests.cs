using Distillation.Architectures;
using Distillation.Export;
using Distillation.Inference;
using Distillation.Tests.Support;
using Serving.Contracts.Models;
using Serving.Onnx;
using TorchSharp;

namespace Distillation.Tests;

[Collection(TorchCollection.Name)]
public sealed class ExportParityTests
{
    public static TheoryData<string, int, int> SmallArchitectures => new()
    {
        { "resnet-tiny", 1, 28 },
        { "resnet-tiny", 3, 32 },
        { "resnet-bottleneck-small", 1, 28 },
        { "cnn-tiny", 1, 28 },
        { "cnn-tiny", 3, 32 },
        { "mobilenet-tiny", 1, 28 },
        { "mobilenet-tiny", 3, 32 },
        { "resnet-small", 1, 28 },
        { "cnn", 1, 28 },
        { "mobilenet", 3, 32 },
    };

    [Theory]
    [MemberData(nameof(SmallArchitectures))]
    public void Export_SmallArchitectures_OnnxRuntimeMatchesTorchSharp(string preset, int channels, int size)
    {
        AssertParity(preset, channels, size, batch: 3);
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void Export_ImageNetShapes224_OnnxRuntimeMatchesTorchSharp(string preset)
    {
        AssertParity(preset, 3, 224, batch: 1);
    }

    [Fact]
    public void Export_WritesContractInputOutputAndMetadata()
    {
        using var dir = new TempDirectory();
        var spec = ArchitecturePresets.Resolve("cnn-tiny", 1, 12, 12, 4);
        using var model = ModelFactory.Create(spec, [0.5f], [0.25f]);
        var path = TestModelFiles.Write(model, spec, dir.Combine("model.onnx"));

        using var onnx = new OnnxClassifier(path);
        Assert.Equal(new ImageShape(1, 12, 12), onnx.InputShape);
        Assert.Equal(4, onnx.Classes);
        Assert.NotNull(onnx.Metadata);
        Assert.Equal(ModelRole.Student, onnx.Metadata!.Role);
        Assert.Equal(["a", "b", "c", "d"], onnx.Metadata.Labels);
        Assert.Equal(ModelFactory.CountParameters(model), onnx.Metadata.Params);

        // Dynamic batch: any N works.
        Assert.Equal(7 * 4, onnx.Logits(new float[7 * 144], 7).Length);
        var proto = OnnxModelFile.Read(path);
        Assert.Equal(OnnxModelContract.InputName, proto.Graph.Input.Single().Name);
        Assert.Equal(OnnxModelContract.OutputName, proto.Graph.Output.Single().Name);
        Assert.Equal("N", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        // BatchNorm is folded away: no BatchNormalization node survives.
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "BatchNormalization");
        foreach (var key in new[] { "labels", "role", "arch", "dataset", "version", "params", "temperature", "metrics", "teachers", "created_utc" })
            Assert.Contains(proto.MetadataProps, p => p.Key == key);
    }

    private static void AssertParity(string preset, int channels, int size, int batch)
    {
        using var dir = new TempDirectory();
        torch.manual_seed(11);
        var spec = ArchitecturePresets.Resolve(preset, channels, size, size, 10);
        var mean = Enumerable.Repeat(0.4f, channels).ToArray();
        var std = Enumerable.Repeat(0.3f, channels).ToArray();
        using var model = ModelFactory.Create(spec, mean, std);
        BatchNormStatistics.Randomize(model);

        var path = TestModelFiles.Write(model, spec, dir.Combine("model.onnx"));
        var error = ModelExport.MaxParityError(model, spec, path, batch, seed: 3);

        Assert.True(error <= ModelExport.ParityTolerance, $"{preset} at {channels}x{size}x{size}: max |ONNX - TorchSharp| = {error:G3}");
    }
}
