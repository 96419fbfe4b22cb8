using InferenceService.Input;
using InferenceService.Models;

namespace InferenceService.Cascade;

/// <summary>A validated request: the model, its decoded pixels (owned by the caller), the route and the request id.</summary>
public sealed record ClassifyCommand(ServedModel Model, PixelBuffer Pixels, CascadeRoute Route, string RequestId);
