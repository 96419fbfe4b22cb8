using System.Text.Json;
using Distillation.Inference;
using Distillation.Tests.Support;
using static Distillation.Tests.Support.ToolWorkspace;

namespace Distillation.Tests;

/// <summary><c>quantize</c> and <c>compare</c> through the command line, on a tiny generated IDX dataset.</summary>
[Collection(TorchCollection.Name)]
public sealed class QuantizationCliTests
{
    [Fact]
    public async Task QuantizeThenCompare_TinyIdxDataset_WritesInt8VariantAndSideBySideReport()
    {
        using var dir = new ToolWorkspace(train: 400, test: 100);
        var data = dir.Data;
        var fp32 = dir.Combine("models", "tiny", "student", "1", "model.onnx");
        var int8 = dir.Combine("models", "tiny", "student", "1", "model.int8.onnx");
        Assert.Equal(0, await Run("train-teacher", "--data", data, "--arch", "cnn-tiny", "--epochs", "3", "--batch-size", "32",
            "--lr", "0.05", "--out", dir.Combine("run")));
        Assert.Equal(0, await Run("export", "--run", dir.Combine("run"), "--out", fp32));

        Assert.Equal(0, await Run("quantize", "--model", fp32, "--out", int8, "--data", data, "--calibration", "minmax",
            "--calibration-images", "32"));
        Assert.Equal(0, await Run("compare", "--model", fp32, "--other", int8, "--data", data, "--out", dir.Combine("cmp"),
            "--rounds", "1"));

        using var quantized = new OnnxClassifier(int8);
        Assert.Equal("int8", quantized.Metadata!.Precision);
        using var report = JsonDocument.Parse(File.ReadAllText(dir.Combine("cmp", "comparison.json")));
        var root = report.RootElement;
        Assert.Equal(100, root.GetProperty("images").GetInt32());
        Assert.Equal("fp32", root.GetProperty("reference").GetProperty("precision").GetString());
        Assert.Equal("int8", root.GetProperty("candidate").GetProperty("precision").GetString());
        Assert.True(root.GetProperty("agreement").GetDouble() >= 0.9);
        Assert.True(root.GetProperty("candidate").GetProperty("latency").GetProperty("batch64_images_per_second").GetDouble() > 0);
        Assert.Contains("batch-64 throughput", File.ReadAllText(dir.Combine("cmp", "comparison.md")));

        // evaluate --compare: the fp32 report plus the same side-by-side comparison in its folder.
        Assert.Equal(0, await Run("evaluate", "--model", fp32, "--compare", int8, "--data", data, "--out", dir.Combine("eval"), "--no-latency"));
        Assert.True(File.Exists(dir.Combine("eval", "report.json")));
        using var evaluated = JsonDocument.Parse(File.ReadAllText(dir.Combine("eval", "comparison.json")));
        Assert.Equal("int8", evaluated.RootElement.GetProperty("candidate").GetProperty("precision").GetString());
        Assert.Equal(root.GetProperty("agreement").GetDouble(), evaluated.RootElement.GetProperty("agreement").GetDouble());
    }

    [Fact]
    public async Task Quantize_AlreadyQuantizedModel_FailsClearly()
    {
        using var dir = new ToolWorkspace(train: 80, test: 20);
        var data = dir.Data;
        var fp32 = dir.Combine("model.onnx");
        var int8 = dir.Combine("model.int8.onnx");
        Assert.Equal(0, await Run("train-teacher", "--data", data, "--arch", "cnn-tiny", "--epochs", "1", "--out", dir.Combine("run")));
        Assert.Equal(0, await Run("export", "--run", dir.Combine("run"), "--out", fp32));
        Assert.Equal(0, await Run("quantize", "--model", fp32, "--out", int8, "--data", data, "--calibration-images", "8"));

        Assert.Equal(1, await Run("quantize", "--model", int8, "--out", dir.Combine("twice.onnx"), "--data", data));
        Assert.Equal(1, await Run("quantize", "--model", fp32, "--out", fp32, "--data", data));
        Assert.False(File.Exists(dir.Combine("twice.onnx")));
    }
}
