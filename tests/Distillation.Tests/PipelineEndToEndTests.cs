using System.Text.Json;
using Distillation.Inference;
using Distillation.Tests.Support;
using Serving.Contracts.Models;
using static Distillation.Tests.Support.ToolWorkspace;

namespace Distillation.Tests;

/// <summary>The whole offline pipeline through the command line, on a tiny generated IDX dataset.</summary>
[Collection(TorchCollection.Name)]
public sealed class PipelineEndToEndTests
{
    [Fact]
    public async Task TrainExportDistillCalibrateEvaluate_TinyIdxDataset_ProducesCalibratedModelsAndReports()
    {
        using var dir = new ToolWorkspace(train: 600, test: 120);
        var data = dir.Data;
        var teacherOnnx = dir.Combine("models", "tiny", "teacher", "1", "model.onnx");
        var studentOnnx = dir.Combine("models", "tiny", "student", "1", "model.onnx");

        Assert.Equal(0, await Run("train-teacher", "--data", data, "--arch", "resnet-tiny", "--epochs", "3", "--batch-size", "32",
            "--lr", "0.05", "--out", dir.Combine("runs", "teacher")));
        Assert.Equal(0, await Run("export", "--run", dir.Combine("runs", "teacher"), "--out", teacherOnnx));
        Assert.Equal(0, await Run("distill", "--data", data, "--teacher", teacherOnnx, "--arch", "cnn-tiny", "--epochs", "3",
            "--batch-size", "32", "--lr", "0.05", "--out", dir.Combine("runs", "student")));
        Assert.Equal(0, await Run("export", "--run", dir.Combine("runs", "student"), "--out", studentOnnx));
        Assert.Equal(0, await Run("calibrate", "--student", studentOnnx, "--teacher", teacherOnnx, "--data", data, "--max-teacher-share", "0.5"));
        Assert.Equal(0, await Run("evaluate", "--model", studentOnnx, "--teacher", teacherOnnx, "--data", data,
            "--out", dir.Combine("report"), "--write-metrics"));

        using var student = new OnnxClassifier(studentOnnx);
        var metadata = student.Metadata!;
        Assert.Equal(ModelRole.Student, metadata.Role);
        Assert.NotNull(metadata.CascadeThreshold);
        Assert.InRange(metadata.CascadeThreshold!.Value, 0, 1);
        Assert.NotEqual(1.0, metadata.Temperature);
        Assert.Equal(["model.onnx"], metadata.Teachers);
        Assert.Equal("0.9", metadata.Extra["distill_alpha"]);
        Assert.True(File.Exists(dir.Combine("models", "tiny", "student", "1", "model.pt")), "TorchSharp weights are kept beside the ONNX file");

        using var report = JsonDocument.Parse(File.ReadAllText(dir.Combine("report", "report.json")));
        var accuracy = report.RootElement.GetProperty("metrics").GetProperty("accuracy").GetDouble();
        Assert.True(accuracy > 0.5, $"student test accuracy {accuracy:P1} on four classes");
        Assert.True(report.RootElement.TryGetProperty("cascade", out _));
        foreach (var file in new[] { "report.md", "confusion.png", "reliability.png", "cascade.png" })
            Assert.True(new FileInfo(dir.Combine("report", file)).Length > 100, file);
        using var headline = JsonDocument.Parse(metadata.Metrics);
        Assert.Equal("test", headline.RootElement.GetProperty("split").GetString());
    }

    [Fact]
    public async Task TrainTeacher_CorruptDataset_FailsWithExitCode2()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("bad");
        IdxFiles.WriteDataset(data, SyntheticImages.Create(20), SyntheticImages.Create(10), gzip: false);
        var images = Path.Combine(data, "train-images-idx3-ubyte");
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..100]);

        Assert.Equal(2, await Run("train-teacher", "--data", data, "--epochs", "1", "--out", dir.Combine("run")));
        Assert.False(File.Exists(dir.Combine("run", "state.json")));
    }

    [Fact]
    public async Task Distill_WithoutTeacherAndPositiveAlpha_FailsClearly()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("tiny");
        IdxFiles.WriteDataset(data, SyntheticImages.Create(40), SyntheticImages.Create(10));
        Assert.Equal(1, await Run("distill", "--data", data, "--epochs", "1", "--out", dir.Combine("run")));
    }
}
