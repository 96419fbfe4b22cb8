using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serving.V1;

namespace InferenceService.Tests.HotSwap;

/// <summary>A new version in the repository serves without a restart: noticed by the file watch, the scan or the admin RPC.</summary>
[Collection(ServingCollection.Name)]
public sealed class HotSwapTests
{
    [Fact]
    public async Task FileDrop_NewStudentVersion_ServedAndVisibleInModelInfoAndMetrics()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // The watch's clock: the debounce after the file events ends when the test moves it on.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create(watch: true),
            services => services.AddSingleton<TimeProvider>(time)).StartAsync();
        var client = service.Client;
        var before = await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        models.WriteStudent("3");
        var info = await Poll.UntilAsync(async () =>
        {
            time.Advance(TimeSpan.FromMilliseconds(HotSwapSettings.DebounceMilliseconds));
            return await client.GetModelInfoAsync(new GetModelInfoRequest());
        }, i => i.Student.Version == "3", "GetModelInfo reports student v3");
        var after = await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        service.FlushMetrics();

        Assert.Equal(TinyModels.StudentVersion, before.ModelVersion);
        Assert.Equal("3", after.ModelVersion);
        Assert.Equal(ServedBy.Student, after.ServedBy);
        Assert.Equal(["3", "2", "1"], info.Student.AvailableVersions);
        Assert.Equal(TinyModels.TeacherVersion, info.Teacher.Version);
        Assert.Equal("fp32", info.Student.Precision);
        Assert.Equal(1, service.Gauge("serving.model.live", ("model", TinyModels.Name), ("role", "student"), ("version", "3")));
        Assert.Equal(0, service.Gauge("serving.model.live", ("role", "student"), ("version", "2")));
        Assert.Equal(1, service.Counter("serving.model.reloads", ("role", "student"), ("outcome", "swapped")));
    }

    [Fact]
    public async Task ReloadModels_NewStudentVersion_SwapsAndReportsEveryRole()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create()).StartAsync();

        models.WriteStudent("3");
        // Neither a watch nor a scan runs here: only the RPC can have noticed it.
        var unnoticed = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        var reload = await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);
        var served = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        var again = await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);

        Assert.Equal(TinyModels.StudentVersion, unnoticed.ModelVersion);
        var student = Assert.Single(reload.Roles, r => r.Role == "student");
        Assert.Equal((TinyModels.Name, ReloadOutcome.Swapped, "3", "2", "fp32"),
            (student.Model, student.Outcome, student.LiveVersion, student.PreviousVersion, student.Precision));
        var teacher = Assert.Single(reload.Roles, r => r.Role == "teacher");
        Assert.Equal((ReloadOutcome.Unchanged, TinyModels.TeacherVersion), (teacher.Outcome, teacher.LiveVersion));
        Assert.Equal("3", served.ModelVersion);
        Assert.All(again.Roles, r => Assert.Equal(ReloadOutcome.Unchanged, r.Outcome));
    }

    [Fact]
    public async Task PeriodicScan_WithoutFileWatch_PicksUpNewTeacherVersion()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // The scan's clock: each probe below moves it on by one interval instead of waiting for one.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = await new ServiceFactory(models.Root, samples.Path,
            HotSwapSettings.Create(watch: false, scanIntervalSeconds: 30), services => services.AddSingleton<TimeProvider>(time)).StartAsync();
        var weights = new float[3 * 4];
        for (var k = 0; k < 3; k++)
            weights[k * 4 + k] = TinyModels.TeacherScale;

        TinyModels.WriteLinear(models.Root, TinyModels.Name, Serving.Contracts.Models.ModelRole.Teacher, "8", TinyModels.Shape,
            TinyModels.Labels, weights);
        await Poll.UntilAsync(async () =>
        {
            time.Advance(TimeSpan.FromSeconds(30));
            return await service.Client.GetModelInfoAsync(new GetModelInfoRequest());
        }, i => i.Teacher.Version == "8", "the scan swaps the teacher to v8");
        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));

        Assert.Equal(ServedBy.Teacher, response.ServedBy);
        Assert.Equal("8", response.ModelVersion);
    }

    [Fact]
    public async Task Reload_VersionFolderBeforeItsModel_IgnoredUntilTheFileIsInPlace()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path, HotSwapSettings.Create()).StartAsync();
        var folder = Directory.CreateDirectory(Path.Combine(models.Root, TinyModels.Name, "student", "3")).FullName;

        var empty = await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);
        // A copy in progress: half the bytes so far (a non-atomic writer, unlike the tools).
        var complete = File.ReadAllBytes(models.WriteStudent("staged"));
        var model = Path.Combine(folder, "model.onnx");
        await File.WriteAllBytesAsync(model, complete[..(complete.Length / 2)]);
        var half = await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);
        await using (var stream = new FileStream(model, FileMode.Append))
            await stream.WriteAsync(complete.AsMemory(complete.Length / 2));
        var whole = await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders);

        Assert.Equal(ReloadOutcome.Unchanged, Student(empty).Outcome);
        // Half a model is rejected, but remembered only as that file: once it is complete it is tried again.
        Assert.Equal(ReloadOutcome.Rejected, Student(half).Outcome);
        Assert.Equal(TinyModels.StudentVersion, Student(half).LiveVersion);
        Assert.Equal((ReloadOutcome.Swapped, "3"), (Student(whole).Outcome, Student(whole).LiveVersion));
    }

    private static RoleReload Student(ReloadModelsResponse response) => Assert.Single(response.Roles, r => r.Role == "student");
}
