namespace InferenceService.Input;

/// <summary>The request's input is unusable; the message says what was wrong (INVALID_ARGUMENT).</summary>
public sealed class InvalidInputException(string message) : Exception(message);
