using System.Runtime.InteropServices;
using InferenceService.Configuration;
#if ONNXRUNTIME_GPU
using Microsoft.ML.OnnxRuntime;
#endif

namespace InferenceService.Models;

/// <summary>
/// Whether ONNX Runtime can load an execution provider here, and if not, which libraries are missing. Asked once at
/// start: a replica that was meant to run on a GPU must not quietly serve from its CPU at a fraction of the speed.
/// </summary>
public static class ExecutionProviderProbe
{
    /// <summary>
    /// What the provider libraries of Microsoft.ML.OnnxRuntime.Gpu link or load (CUDA 13, cuDNN 9; TensorRT 10 on top),
    /// checked by name first so the error can say which one is missing rather than only that the provider failed.
    /// </summary>
    private static readonly string[] CudaLibraries =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];
    private static readonly string[] TensorRtLibraries = ["libnvinfer.so.10", "libnvonnxparser.so.10"];

    /// <summary>Null when <paramref name="provider"/> can be used; otherwise why not, naming what is missing.</summary>
    public static string? Unavailable(ExecutionProvider provider, int deviceId)
    {
        if (provider == ExecutionProvider.Cpu)
            return null;
#if ONNXRUNTIME_GPU
        var missing = RequiredLibraries(provider).Where(library => !CanLoad(library)).ToList();
        if (missing.Count > 0)
            return $"missing {string.Join(", ", missing)} (the {provider} provider needs CUDA 13 and cuDNN 9"
                + (provider == ExecutionProvider.TensorRT ? " and TensorRT 10" : "") + ")";
        try
        {
            // Loads the provider library itself: the same call a session makes, without a model.
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
            if (provider == ExecutionProvider.TensorRT)
                options.AppendExecutionProvider_Tensorrt(deviceId);
            options.AppendExecutionProvider_CUDA(deviceId);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return $"ONNX Runtime cannot load it on device {deviceId}: {e.Message}";
        }
#else
        _ = deviceId;
        return $"missing libonnxruntime_providers_{(provider == ExecutionProvider.TensorRT ? "tensorrt" : "cuda")}.so: " +
            "this build has ONNX Runtime's CPU package only (build with -p:UseGpu=true)";
#endif
    }

    public static IReadOnlyList<string> RequiredLibraries(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cpu => [],
        ExecutionProvider.Cuda => CudaLibraries,
        _ => [.. CudaLibraries, .. TensorRtLibraries],
    };

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
            return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
