using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace InferenceService.Tests.Models;

[Collection(ServingCollection.Name)]
public sealed class ModelRepositoryTests
{
    [Fact]
    public void Acquire_BeforeAnyPublication_ThrowsNotReady()
    {
        var repository = new ModelRepository(Options.Create(new ModelRepositoryOptions()), NullLogger<ModelRepository>.Instance);

        Assert.Throws<ModelsNotReadyException>(() => repository.Acquire(""));
        Assert.False(repository.Ready.IsCompleted);
    }

    [Fact]
    public async Task Acquire_UnknownName_ThrowsNamingWhatIsServed()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root);

        var error = Assert.Throws<ModelNotFoundException>(() => wired.Repository.Acquire("other"));

        Assert.Contains($"available: {TinyModels.Name}", error.Message);
    }

    [Fact]
    public async Task DisposeAsync_LeaseHeld_WaitsForItThenDisposesEveryVersion()
    {
        using var models = new TinyModels();
        var wired = await HandWiredRepository.LoadAsync(models.Root);
        var lease = wired.Repository.Acquire("");

        var disposing = wired.DisposeAsync().AsTask();
        // The lease holds a reference, so neither version can retire, and the drain waits for both.
        var retiredWhileHeld = lease.Model.StudentModel!.Retired.IsCompleted;
        var doneWhileHeld = disposing.IsCompleted;
        lease.Dispose();
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(retiredWhileHeld);
        Assert.False(doneWhileHeld);
        Assert.True(lease.Model.StudentModel!.Retired.IsCompletedSuccessfully);
        Assert.True(lease.Model.TeacherModel!.Retired.IsCompletedSuccessfully);
        Assert.False(wired.Repository.IsReady);
    }
}
