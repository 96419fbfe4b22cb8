using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serving.Contracts.Models;
using Serving.V1;

namespace InferenceService.Tests.HotSwap;

/// <summary><c>ModelRepository:StudentPrecision=Int8</c> serves <c>model.int8.onnx</c> of the live student version.</summary>
[Collection(ServingCollection.Name)]
public sealed class Int8PrecisionTests
{
    private static Dictionary<string, string?> Int8()
    {
        var settings = HotSwapSettings.Create();
        settings["ModelRepository:StudentPrecision"] = "Int8";
        return settings;
    }

    [Fact]
    public async Task Start_Int8_ServesTheInt8FileWithItsOwnCalibration()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // Its own temperature and threshold, as 'calibrate --student model.int8.onnx' writes them.
        models.WriteStudent(TinyModels.StudentVersion, threshold: 0.45, temperature: 2.0, fileName: "model.int8.onnx", precision: "int8");
        await using var service = await new ServiceFactory(models.Root, samples.Path, Int8()).StartAsync();

        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest());
        // Confidence at T = 2 is ~0.51: the student answers under the int8 file's threshold 0.45, not the fp32 file's 0.9.
        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));
        service.FlushMetrics();

        Assert.Equal(("int8", TinyModels.StudentVersion), (info.Student.Precision, info.Student.Version));
        Assert.Equal("fp32", info.Teacher.Precision);
        Assert.Equal((0.45, 2.0), (info.CascadeThreshold, info.Temperature));
        Assert.Equal(ServedBy.Student, response.ServedBy);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure, temperature: 2.0), response.StudentConfidence, 4);
        Assert.Equal(1, service.Gauge("serving.model.live", ("role", "student"), ("precision", "int8")));
        Assert.Equal(1, service.Gauge("serving.model.live", ("role", "teacher"), ("precision", "fp32")));
    }

    [Fact]
    public void Start_Int8WithoutInt8File_FailsNamingTheMissingFile()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var service = new ServiceFactory(models.Root, samples.Path, Int8());

        var error = Assert.Throws<InvalidModelException>(() => service.Services);

        Assert.Contains("has no model.int8.onnx beside student v2", error.Message);
        Assert.Contains("Distillation quantize", error.Message);
    }

    [Fact]
    public async Task LoadAsync_Int8FileDeclaresFp32_RejectedForItsPrecision()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var path = models.WriteStudent(TinyModels.StudentVersion, fileName: "model.int8.onnx", precision: "fp32");
        await using var service = new ServiceFactory(models.Root, samples.Path, Int8(), services =>
            services.Remove(services.Single(d => d.ImplementationType == typeof(InferenceService.Models.ModelLoadingService))));

        var error = await Assert.ThrowsAsync<InvalidModelException>(() => service.Reconciler.LoadAsync(CancellationToken.None));

        Assert.Contains(path, error.Message);
        Assert.Contains("metadata says precision 'fp32' but ModelRepository:StudentPrecision is Int8", error.Message);
        Assert.False(service.Repository.IsReady);
    }

    [Fact]
    public async Task Reload_Int8_NewVersionServedOnlyOnceItsInt8FileExists()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        models.WriteStudent(TinyModels.StudentVersion, fileName: "model.int8.onnx", precision: "int8");
        await using var service = await new ServiceFactory(models.Root, samples.Path, Int8()).StartAsync();

        models.WriteStudent("3");
        var fp32Only = Student(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
        models.WriteStudent("3", fileName: "model.int8.onnx", precision: "int8");
        var quantized = Student(await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), HotSwapSettings.AdminHeaders));
        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal((ReloadOutcome.Rejected, TinyModels.StudentVersion), (fp32Only.Outcome, fp32Only.LiveVersion));
        Assert.Contains("has no model.int8.onnx", fp32Only.Reason);
        Assert.Equal((ReloadOutcome.Swapped, "3", "int8"), (quantized.Outcome, quantized.LiveVersion, quantized.Precision));
        Assert.Equal(("3", "int8"), (info.Student.Version, info.Student.Precision));
    }

    private static RoleReload Student(ReloadModelsResponse response) => Assert.Single(response.Roles, r => r.Role == "student");
}
