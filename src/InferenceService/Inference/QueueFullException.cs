namespace InferenceService.Inference;

/// <summary>A model's batching queue is full: the replica is overloaded (RESOURCE_EXHAUSTED, clients back off).</summary>
public sealed class QueueFullException(string message) : Exception(message);
