namespace InferenceService.Models;

/// <summary>Models are still loading or warming up; clients should retry (health is not SERVING yet).</summary>
public sealed class ModelsNotReadyException() : Exception("models are still loading; retry once health reports SERVING");
