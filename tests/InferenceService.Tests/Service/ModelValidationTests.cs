using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class ModelValidationTests
{
    [Fact]
    public void Start_DefaultModelMissing_FailsWithClearError()
    {
        using var empty = new TempDirectory();
        using var samples = new TempDirectory();
        using var service = new ServiceFactory(empty.Path, samples.Path);

        var error = Assert.Throws<InvalidModelException>(() => service.Services);

        Assert.Contains("default model 'tiny' is not in the model repository", error.Message);
    }

    [Fact]
    public void Start_DefaultModelWithoutTeacher_FailsNamingTheMissingRole()
    {
        using var models = new TinyModels();
        Directory.Delete(Path.Combine(models.Root, TinyModels.Name, "teacher"), recursive: true);
        using var samples = new TempDirectory();
        using var service = new ServiceFactory(models.Root, samples.Path);

        var error = Assert.Throws<InvalidModelException>(() => service.Services);

        Assert.Contains("has no teacher version", error.Message);
    }

    [Fact]
    public async Task LoadAsync_LabelCountDiffersFromModelOutput_ThrowsNamingTheFile()
    {
        using var models = new TinyModels();
        var student = Path.Combine(models.Root, TinyModels.Name, "student", TinyModels.StudentVersion, "model.onnx");
        Serving.Onnx.OnnxModelFile.UpdateMetadata(student, m => m with { Labels = ["only", "two"] });
        using var samples = new TempDirectory();
        await using var service = ServiceFactory.WithoutModelLoading(models.Root, samples.Path);

        var error = await Assert.ThrowsAsync<InvalidModelException>(() => service.Reconciler.LoadAsync(CancellationToken.None));

        Assert.Contains(student, error.Message);
        Assert.Contains("3 classes but its metadata lists 2 labels", error.Message);
        Assert.False(service.Repository.IsReady);
    }
}
