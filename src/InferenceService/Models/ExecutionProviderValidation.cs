using InferenceService.Configuration;
using Microsoft.Extensions.Options;

namespace InferenceService.Models;

/// <summary>
/// Stops the service at start when the configured execution provider cannot load here and falling back to the CPU is
/// not allowed: the error names the provider and what is missing.
/// </summary>
public sealed class ExecutionProviderValidation : IValidateOptions<OnnxRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, OnnxRuntimeOptions options)
    {
        if (options.AllowCpuFallback)
            return ValidateOptionsResult.Success;
        var reason = ExecutionProviderProbe.Unavailable(options.ExecutionProvider, options.DeviceId);
        return reason is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(Message(options.ExecutionProvider, reason));
    }

    public static string Message(ExecutionProvider provider, string reason) =>
        $"OnnxRuntime:ExecutionProvider is {provider}, which cannot load here: {reason}. " +
        "Set OnnxRuntime:AllowCpuFallback=true to run on the CPU instead.";
}
