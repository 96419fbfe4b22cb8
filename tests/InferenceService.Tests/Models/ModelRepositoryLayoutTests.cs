using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Models;

public sealed class ModelRepositoryLayoutTests
{
    [Fact]
    public void Scan_StagingAndIncompleteFolders_OnlyCompleteIntegerVersionsHighestFirst()
    {
        using var root = new TempDirectory();
        var layout = new ModelRepositoryLayout(root.Path);
        Write(layout.ModelPath("m", ModelRole.Student, 2));
        Write(layout.ModelPath("m", ModelRole.Student, 10));
        Write(Path.Combine(layout.StagingDirectory("m", ModelRole.Student, 11), ModelRepositoryLayout.FileName));
        Directory.CreateDirectory(layout.VersionDirectory("m", ModelRole.Student, 12)); // being written: no model.onnx yet
        Write(Path.Combine(layout.RoleDirectory("m", ModelRole.Student), "latest", ModelRepositoryLayout.FileName));
        Write(Path.Combine(root.Path, ".staging-model", "student", "1", ModelRepositoryLayout.FileName));

        var catalog = layout.Scan();

        var model = Assert.Single(catalog).Value;
        Assert.Equal(["10", "2"], model.Available(ModelRole.Student));
        Assert.Null(model.Live(ModelRole.Teacher));
        Assert.Equal(13, layout.NextVersion("m", ModelRole.Student));
    }

    [Fact]
    public void IsStagingPath_DotSegmentBelowTheRoot_True()
    {
        var layout = new ModelRepositoryLayout("/repo");

        Assert.True(layout.IsStagingPath("/repo/m/student/.staging-3-ab/model.onnx"));
        Assert.True(layout.IsStagingPath("/repo/m/student/3/.model.onnx.tmp"));
        Assert.False(layout.IsStagingPath("/repo/m/student/3/model.onnx"));
    }

    [Fact]
    public void Scan_RootMissing_ThrowsNamingIt()
    {
        var error = Assert.Throws<InvalidModelException>(() => new ModelRepositoryLayout("/no/such/repository").Scan());

        Assert.Contains("'/no/such/repository' does not exist", error.Message);
    }

    private static void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
    }
}
