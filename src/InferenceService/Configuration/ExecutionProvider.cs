namespace InferenceService.Configuration;

/// <summary>Where ONNX Runtime runs the models.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
    TensorRT,
}
