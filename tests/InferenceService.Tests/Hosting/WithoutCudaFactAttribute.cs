using InferenceService.Configuration;
using InferenceService.Models;

namespace InferenceService.Tests.Hosting;

/// <summary>A fact about a machine where the CUDA provider cannot load: skipped, saying so, where it can.</summary>
public sealed class WithoutCudaFactAttribute : FactAttribute
{
    public WithoutCudaFactAttribute()
    {
        if (ExecutionProviderProbe.Unavailable(ExecutionProvider.Cuda, deviceId: 0) is null)
            Skip = "CUDA loads on this machine; these tests are about one where it cannot";
    }
}
