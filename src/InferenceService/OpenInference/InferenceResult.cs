namespace InferenceService.OpenInference;

/// <summary>A served v2 request, ready for either protocol to write.</summary>
/// <param name="Id">The client's id; empty when none was sent (then none is returned).</param>
/// <param name="Parameters">Per-image facts (who served, confidences, degraded, versions), comma-separated in image order.</param>
public sealed record InferenceResult(string Model, string Version, string Id, IReadOnlyList<OutputTensor> Outputs,
    IReadOnlyDictionary<string, string> Parameters);

/// <summary>An output tensor: FP32 numbers or BYTES strings, flattened row-major.</summary>
public sealed record OutputTensor(string Name, string Datatype, long[] Shape, float[]? Numbers, string[]? Strings);
