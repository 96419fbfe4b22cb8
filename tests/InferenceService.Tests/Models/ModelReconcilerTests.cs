using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Models;

/// <summary>Start-up and reload as one reconciliation, on a temporary repository, without a host.</summary>
[Collection(ServingCollection.Name)]
public sealed class ModelReconcilerTests
{
    [Fact]
    public async Task LoadAsync_TinyRepository_PublishesTheHighestVersionsAndTurnsReady()
    {
        using var models = new TinyModels();
        await using var wired = new HandWiredRepository(models.Root);
        var readyBefore = wired.Repository.IsReady;

        await wired.Reconciler.LoadAsync(CancellationToken.None);
        var served = wired.Repository.Get("");

        Assert.False(readyBefore);
        Assert.True(wired.Repository.Ready.IsCompletedSuccessfully);
        Assert.Equal((TinyModels.StudentVersion, TinyModels.TeacherVersion), (served.StudentModel!.Version, served.TeacherModel!.Version));
        Assert.Equal(0.9, served.Threshold);
    }

    [Fact]
    public async Task LoadAsync_TeacherReplica_LoadsOnlyTheTeacher()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root, new ServingTopology(ServingRole.Teacher, TeacherIsRemote: false));

        var served = wired.Repository.Get(TinyModels.Name);

        Assert.Null(served.StudentModel);
        Assert.Equal(TinyModels.TeacherVersion, served.TeacherModel!.Version);
    }

    [Fact]
    public async Task LoadAsync_StudentAndTeacherLabelsDiffer_FailsAndPublishesNothing()
    {
        using var models = new TinyModels();
        TinyModels.WriteLinear(models.Root, TinyModels.Name, ModelRole.Teacher, "8", TinyModels.Shape, ["a", "b", "c"], new float[12]);
        await using var wired = new HandWiredRepository(models.Root);

        var error = await Assert.ThrowsAsync<InvalidModelException>(() => wired.Reconciler.LoadAsync(CancellationToken.None));

        Assert.Contains("student v2 and teacher v8 labels differ", error.Message);
        Assert.False(wired.Repository.IsReady);
    }

    [Fact]
    public async Task ReloadAsync_NothingChanged_EveryRoleUnchanged()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root);

        var report = await wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);

        Assert.Equal([ModelRole.Student, ModelRole.Teacher], report.Roles.Select(r => r.Role));
        Assert.All(report.Roles, r => Assert.Equal(ReloadOutcome.Unchanged, r.Outcome));
    }

    [Fact]
    public async Task ReloadAsync_NewStudentWhileLeaseHeld_SwapsAndRetiresTheOldOnlyOnceReleased()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root);
        var lease = wired.Repository.Acquire("");
        var old = lease.Model.StudentModel!;

        models.WriteStudent("3");
        var report = await wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);
        var retiredWhileHeld = old.Retired.IsCompleted;
        lease.Dispose();
        await old.Retired.WaitAsync(TimeSpan.FromSeconds(10));

        var student = Assert.Single(report.Swapped);
        Assert.Equal((ModelRole.Student, "3", TinyModels.StudentVersion), (student.Role, student.LiveVersion, student.PreviousVersion));
        Assert.False(retiredWhileHeld);
        Assert.Equal("3", wired.Repository.Get("").StudentModel!.Version);
        Assert.Same(lease.Model.TeacherModel, wired.Repository.Get("").TeacherModel);
    }

    [Fact]
    public async Task ReloadAsync_NewModelWithoutTeacher_NotServedUntilComplete()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root);
        TinyModels.WriteLinear(models.Root, "other", ModelRole.Student, "1", TinyModels.Shape, TinyModels.Labels, new float[12]);

        var partial = await wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);
        TinyModels.WriteLinear(models.Root, "other", ModelRole.Teacher, "1", TinyModels.Shape, TinyModels.Labels, new float[12]);
        var complete = await wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);

        Assert.DoesNotContain(partial.Roles, r => r.Model == "other");
        Assert.Equal(2, complete.Swapped.Count(r => r.Model == "other"));
        Assert.Equal("1", wired.Repository.Get("other").StudentModel!.Version);
    }

    [Fact]
    public async Task ReloadAsync_BeforeFirstLoad_ThrowsNotReady()
    {
        using var models = new TinyModels();
        await using var wired = new HandWiredRepository(models.Root);

        await Assert.ThrowsAsync<ModelsNotReadyException>(() => wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None));
    }

    [Fact]
    public async Task ReloadAsync_FileYoungerThanSettleTime_WaitsOnTheClockThenSwaps()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root, settle: TimeSpan.FromSeconds(5));

        models.WriteStudent("3");
        var reload = wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);
        var waitingBeforeTheSettleTime = !reload.IsCompleted;
        wired.Time.Advance(TimeSpan.FromSeconds(5));
        var report = await reload.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(waitingBeforeTheSettleTime);
        var student = Assert.Single(report.Swapped);
        Assert.Equal((ModelRole.Student, "3"), (student.Role, student.LiveVersion));
    }

    [Fact]
    public async Task ReloadAsync_FileGrowsWhileSettling_PendingAndTheLiveVersionKeepsServing()
    {
        using var models = new TinyModels();
        await using var wired = await HandWiredRepository.LoadAsync(models.Root, settle: TimeSpan.FromSeconds(5));

        var path = models.WriteStudent("3");
        var reload = wired.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);
        // A copy made by hand, still being written.
        await File.AppendAllTextAsync(path, "more");
        wired.Time.Advance(TimeSpan.FromSeconds(5));
        var report = await reload.WaitAsync(TimeSpan.FromSeconds(30));

        var student = report.Roles.Single(r => r.Role == ModelRole.Student);
        Assert.Equal((ReloadOutcome.Pending, "3"), (student.Outcome, student.CandidateVersion));
        Assert.True(report.AnyPending);
        Assert.Equal(TinyModels.StudentVersion, wired.Repository.Get("").StudentModel!.Version);
    }
}
