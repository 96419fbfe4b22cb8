using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;
using Serving.Onnx;
using Serving.V1;

namespace InferenceService.Tests.HotSwap;

/// <summary>A bad new version is rejected once, logged and counted, never retried in a loop; the old one keeps serving.</summary>
[Collection(ServingCollection.Name)]
public sealed class RejectionTests
{
    public static TheoryData<string, string> BadVersions => new()
    {
        { "corrupt", "ONNX Runtime cannot load it" },
        { "wrong-shape", "differs from teacher v7 input [1, 2, 2]" },
        { "missing-labels", "metadata key 'labels' is missing" },
        { "label-count", "3 classes but its metadata lists 2 labels" },
        { "wrong-role", "metadata says role 'Teacher'" },
    };

    [Theory]
    [MemberData(nameof(BadVersions))]
    public async Task Reload_BadStudentVersion_RejectedOnceOldKeepsServingFixedFileSwaps(string kind, string expected)
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create()).StartAsync();
        var path = WriteBad(models, kind, "3");

        var first = Student(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
        var served = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        var second = Student(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
        service.FlushMetrics();
        var rejectedCount = service.Counter("serving.model.reloads", ("role", "student"), ("outcome", "rejected"));
        File.Delete(path);
        models.WriteStudent("3");
        var fixedReload = Student(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));

        Assert.Equal((ReloadOutcome.Rejected, "3", TinyModels.StudentVersion), (first.Outcome, first.CandidateVersion, first.LiveVersion));
        Assert.Contains(expected, first.Reason);
        Assert.Equal(TinyModels.StudentVersion, served.ModelVersion);
        // The same file again is not loaded again: reported from memory, not counted twice.
        Assert.Equal(ReloadOutcome.Rejected, second.Outcome);
        Assert.Contains("rejected before", second.Reason);
        Assert.Equal(1, rejectedCount);
        Assert.Equal((ReloadOutcome.Swapped, "3"), (fixedReload.Outcome, fixedReload.LiveVersion));
    }

    [Fact]
    public async Task FileDrop_CorruptVersion_WatcherRejectsAndServiceKeepsAnswering()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create(watch: true)).StartAsync();

        // Written in place, not renamed: the watch may see the empty file first, and reject each state once.
        WriteBad(models, "corrupt", "3");
        await Poll.UntilAsync(() =>
        {
            service.FlushMetrics();
            return Task.FromResult(service.Counter("serving.model.reloads", ("outcome", "rejected")));
        }, n => n >= 1, "the watcher rejects the corrupt version");
        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal(TinyModels.StudentVersion, response.ModelVersion);
        Assert.Equal(TinyModels.StudentVersion, info.Student.Version);
        Assert.Contains("3", info.Student.AvailableVersions);
    }

    [Fact]
    public async Task Reload_RetryRejected_LoadsTheSameFileAgain()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create()).StartAsync();
        WriteBad(models, "corrupt", "3");

        await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);
        var retried = Student(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest { RetryRejected = true }, HotSwapSettings.AdminHeaders));
        service.FlushMetrics();

        Assert.Equal(ReloadOutcome.Rejected, retried.Outcome);
        Assert.DoesNotContain("rejected before", retried.Reason);
        Assert.Equal(2, service.Counter("serving.model.reloads", ("outcome", "rejected")));
    }

    [Fact]
    public async Task Reload_TeacherWithOtherLabels_RejectedAndRetriedWhenStudentChanges()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create()).StartAsync();
        string[] otherLabels = ["cat", "dog", "bird"];
        TinyModels.WriteLinear(models.Root, TinyModels.Name, ModelRole.Teacher, "8", TinyModels.Shape, otherLabels, new float[12]);

        var first = Teacher(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
        var unchangedPartner = Teacher(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
        // A student with the same labels arrives: the pair fits now.
        TinyModels.WriteLinear(models.Root, TinyModels.Name, ModelRole.Student, "3", TinyModels.Shape, otherLabels, new float[12], threshold: 0.9);
        var both = await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);
        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal(ReloadOutcome.Rejected, first.Outcome);
        Assert.Contains("labels differ", first.Reason);
        Assert.Contains("rejected before", unchangedPartner.Reason);
        Assert.All(both.Roles, r => Assert.Equal(ReloadOutcome.Swapped, r.Outcome));
        Assert.Equal(("3", "8"), (info.Student.Version, info.Teacher.Version));
        Assert.Equal(otherLabels, info.Labels);
    }

    private static RoleReload Student(ReloadModelsResponse response) => Assert.Single(response.Roles, r => r.Role == "student");

    private static RoleReload Teacher(ReloadModelsResponse response) => Assert.Single(response.Roles, r => r.Role == "teacher");

    private static string WriteBad(TinyModels models, string kind, string version)
    {
        var path = Path.Combine(models.Root, TinyModels.Name, "student", version, "model.onnx");
        switch (kind)
        {
            case "corrupt":
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "definitely not an ONNX model");
                break;
            case "wrong-shape":
                TinyModels.WriteLinear(models.Root, TinyModels.Name, ModelRole.Student, version, [1, 3, 3], TinyModels.Labels, new float[3 * 9], 0.9);
                break;
            case "missing-labels":
                models.WriteStudent(version);
                var proto = OnnxModelFile.Read(path);
                var labels = proto.MetadataProps.Single(p => p.Key == MetadataKeys.Labels);
                proto.MetadataProps.Remove(labels);
                OnnxModelFile.Write(proto, path);
                break;
            case "label-count":
                models.WriteStudent(version);
                OnnxModelFile.UpdateMetadata(path, m => m with { Labels = ["only", "two"] });
                break;
            case "wrong-role":
                models.WriteStudent(version);
                OnnxModelFile.UpdateMetadata(path, m => m with { Role = ModelRole.Teacher });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return path;
    }
}
