using InferenceService.Tests.Infrastructure;
using InferenceService.Tests.Reliability;
using Serving.V1;

namespace InferenceService.Tests.Hosting;

/// <summary>
/// Asking for a GPU provider where it cannot load: the service stops at start naming the provider and what is missing,
/// or, with the fallback allowed, serves from the CPU and says so. Runs in the CPU build and, in CI, in the GPU build
/// (-p:UseGpu=true), where the CUDA provider library is present but CUDA itself is not.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ExecutionProviderTests
{
    [WithoutCudaFact]
    public async Task Start_CudaThatCannotLoad_ExitsNamingProviderAndMissingLibrary()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(Settings(models, samples, "Cuda")));

        Assert.Contains("the service exited with", error.Message, StringComparison.Ordinal);
        Assert.Contains("OnnxRuntime:ExecutionProvider is Cuda, which cannot load here: missing ", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"missing [^\n]*lib\w+\.so", error.Message);
        Assert.Contains("OnnxRuntime:AllowCpuFallback=true", error.Message, StringComparison.Ordinal);
#if ONNXRUNTIME_GPU
        Assert.Contains("libcudart.so.13", error.Message, StringComparison.Ordinal);
#else
        Assert.Contains("libonnxruntime_providers_cuda.so", error.Message, StringComparison.Ordinal);
#endif
    }

    [WithoutCudaFact]
    public async Task Start_TensorRtWithFallbackAllowed_ServesFromCpuAndReportsItPerRole()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var settings = Settings(models, samples, "TensorRT");
        settings["OnnxRuntime:AllowCpuFallback"] = "true";
        await using var service = await ServiceProcess.StartAsync(settings);

        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest());
        var answer = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        var live = await service.ScrapeAsync("serving_model_live", ("execution_provider", "Cpu"));

        Assert.Equal("Cpu", info.Student.ExecutionProvider);
        Assert.Equal("Cpu", info.Teacher.ExecutionProvider);
        Assert.Equal(0, answer.LabelIndex);
        Assert.Equal(2, live);
        Assert.Contains("Execution provider TensorRT cannot load", service.Output, StringComparison.Ordinal);
        Assert.Contains("Student sessions run on the Cpu execution provider", service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetModelInfo_CpuConfigured_ReportsCpuForBothRoles()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path).StartAsync();

        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest());
        service.FlushMetrics();

        Assert.Equal("Cpu", info.Student.ExecutionProvider);
        Assert.Equal("Cpu", info.Teacher.ExecutionProvider);
        Assert.Equal(2, service.Gauge("serving.model.live", ("execution_provider", "Cpu")));
    }

    private static Dictionary<string, string?> Settings(TinyModels models, TempDirectory samples, string provider) => new()
    {
        ["ModelRepository:Path"] = models.Root,
        ["ModelRepository:DefaultModel"] = TinyModels.Name,
        ["Capture:Directory"] = samples.Path,
        ["OnnxRuntime:IntraOpThreads"] = "1",
        ["OnnxRuntime:WarmupRuns"] = "1",
        ["OnnxRuntime:ExecutionProvider"] = provider,
    };
}
