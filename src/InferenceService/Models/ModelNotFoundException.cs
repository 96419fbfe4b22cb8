namespace InferenceService.Models;

/// <summary>A request named a model this replica does not serve.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);
