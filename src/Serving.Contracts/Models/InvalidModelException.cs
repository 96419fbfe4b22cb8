namespace Serving.Contracts.Models;

/// <summary>A model file that breaks the ONNX model contract; the message says what is wrong.</summary>
public sealed class InvalidModelException(string message) : Exception(message);
