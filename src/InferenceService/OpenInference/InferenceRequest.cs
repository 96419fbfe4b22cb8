using InferenceService.Cascade;

namespace InferenceService.OpenInference;

/// <summary>
/// An Open Inference Protocol request with the protocol (gRPC or REST/JSON) stripped off: both map to this, and one
/// <see cref="InferenceRunner"/> serves it.
/// </summary>
/// <param name="Version">Empty: the live version.</param>
/// <param name="Id">The client's id, echoed back; empty when none was sent.</param>
public sealed record InferenceRequest(string Model, string Version, string Id, CascadeRoute Route,
    IReadOnlyList<InputTensor> Inputs, IReadOnlyList<RequestedOutput> Outputs);

/// <param name="Shape">As sent; checked against the model when the elements are read.</param>
public sealed record InputTensor(string Name, string Datatype, IReadOnlyList<long> Shape, TensorElements Elements);

/// <param name="Classification">The classification extension's k (top-k "score:index:label" strings); null for the tensor.</param>
public sealed record RequestedOutput(string Name, int? Classification);
