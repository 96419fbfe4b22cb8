using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Models;

public sealed class ServedFilesTests
{
    private static readonly ServingTopology Cascade = new(ServingRole.Cascade, TeacherIsRemote: false);

    [Fact]
    public void Served_Int8_TheVariantBesideTheLiveStudentAndTheTeachersExport()
    {
        using var models = new TinyModels();
        var files = new ServedFiles(models.Root, Cascade, ModelPrecision.Int8);
        var versions = files.Layout.Find(TinyModels.Name)!;

        Assert.EndsWith(Path.Combine("student", TinyModels.StudentVersion, "model.int8.onnx"), files.Served(versions, ModelRole.Student)!.Path);
        Assert.EndsWith(Path.Combine("teacher", TinyModels.TeacherVersion, "model.onnx"), files.Served(versions, ModelRole.Teacher)!.Path);
        Assert.Equal(("int8", "fp32"), (files.PrecisionName(ModelRole.Student), files.PrecisionName(ModelRole.Teacher)));
    }

    [Fact]
    public void Problem_Int8VariantMissing_NamesTheFileAndTheQuantizeCommand()
    {
        using var models = new TinyModels();
        var files = new ServedFiles(models.Root, Cascade, ModelPrecision.Int8);

        var problem = files.Problem(files.Layout.Find(TinyModels.Name)!);

        Assert.StartsWith($"has no model.int8.onnx beside student v{TinyModels.StudentVersion}", problem);
        Assert.Contains("Distillation quantize --model", problem);
    }

    [Fact]
    public void Problem_RemoteTeacherAndNoTeacherFolder_NoneSinceOnlyTheStudentIsNeeded()
    {
        using var models = new TinyModels();
        Directory.Delete(Path.Combine(models.Root, TinyModels.Name, "teacher"), recursive: true);
        var remote = new ServedFiles(models.Root, new ServingTopology(ServingRole.Cascade, TeacherIsRemote: true), ModelPrecision.Fp32);
        var embedded = new ServedFiles(models.Root, Cascade, ModelPrecision.Fp32);
        var versions = remote.Layout.Find(TinyModels.Name)!;

        Assert.Null(remote.Problem(versions));
        Assert.StartsWith("has no teacher version", embedded.Problem(versions));
    }
}
