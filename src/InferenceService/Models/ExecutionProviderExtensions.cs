using InferenceService.Configuration;
using Microsoft.Extensions.Options;

namespace InferenceService.Models;

public static class ExecutionProviderExtensions
{
    /// <summary>
    /// Checks at start, with the other options (ValidateOnStart), that the configured ONNX Runtime execution provider
    /// loads here, or that falling back to the CPU is allowed.
    /// </summary>
    public static void AddExecutionProviderCheck(this IHostApplicationBuilder builder) =>
        builder.Services.AddSingleton<IValidateOptions<OnnxRuntimeOptions>, ExecutionProviderValidation>();
}
