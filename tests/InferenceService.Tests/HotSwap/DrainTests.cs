using System.Collections.Concurrent;
using Grpc.Core;
using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.HotSwap;

/// <summary>Requests finish on the version they started with; a replaced version is disposed only after they drain.</summary>
[Collection(ServingCollection.Name)]
public sealed class DrainTests
{
    [Fact]
    public async Task Swap_RequestHoldsOldVersion_OldServesItThenIsDisposedOnceReleased()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create()).StartAsync();
        var repository = service.Repository;
        var lease = repository.Acquire("");
        var old = lease.Model.StudentModel!;

        models.WriteStudent("3");
        var report = await service.Reconciler.ReloadAsync(retryRejected: false, CancellationToken.None);
        // The in-flight request still runs on the old session, through the old batcher.
        var onOld = await lease.Model.Student!.PredictAsync(TinyModels.Confident, 1.0, CancellationToken.None);
        var retiredWhileHeld = old.Retired.IsCompleted;
        var onNew = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        lease.Dispose();
        await old.Retired.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(report.Swapped, r => r.LiveVersion == "3");
        Assert.Equal(TinyModels.StudentVersion, onOld.Version);
        Assert.False(retiredWhileHeld);
        Assert.Equal("3", onNew.ModelVersion);
        // The teacher did not change: the new generation shares it, and it stays alive.
        Assert.Same(lease.Model.TeacherModel, repository.Get("").TeacherModel);
        Assert.False(repository.Get("").TeacherModel!.Retired.IsCompleted);
    }

    [Fact]
    public async Task Swap_RepeatedlyUnderConcurrentLoad_EveryRequestSucceedsAndOldVersionsRetire()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var settings = HotSwapSettings.Create();
        // Real batching: requests queue in the old version's batcher while the swap happens.
        settings["Batching:MaxQueueDelayMicroseconds"] = "2000";
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings).StartAsync();
        var retired = new List<Task> { service.Repository.Get("").StudentModel!.Retired };
        var versions = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<RpcException>();
        using var stop = new CancellationTokenSource();

        async Task Load(int worker)
        {
            var client = service.Client;
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var pixels = (i + worker) % 3 == 0 ? TinyModels.Unsure : TinyModels.Confident;
                    var response = await client.ClassifyAsync(Requests.Tensor(pixels, requestId: $"w{worker}-{i}"));
                    if (response.ServedBy == ServedBy.Student)
                        versions.AddOrUpdate(response.ModelVersion, 1, (_, n) => n + 1);
                }
                catch (RpcException e)
                {
                    failures.Enqueue(e);
                }
            }
        }

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() => Load(w))).ToArray();
        var reloads = new List<ReloadModelsResponse>();
        foreach (var version in new[] { "2", "3", "4", "5", "6" })
        {
            if (version != "2")
            {
                models.WriteStudent(version);
                reloads.Add(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
                retired.Add(service.Repository.Get("").StudentModel!.Retired);
            }
            await Poll.UntilAsync(() => Task.FromResult(versions.GetValueOrDefault(version)), n => n >= 30, $"traffic on v{version}");
        }
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        // Every replaced version drains and is disposed; the live one (the last) is not.
        await Task.WhenAll(retired[..^1]).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(failures);
        Assert.All(reloads, r => Assert.Contains(r.Roles, role => role.Role == "student" && role.Outcome == ReloadOutcome.Swapped));
        Assert.Equal(["2", "3", "4", "5", "6"], versions.Keys.Order());
        Assert.False(retired[^1].IsCompleted);
    }
}
