namespace InferenceService.Cascade;

/// <summary>The teacher could not answer (the remote replica answered without its teacher, or there is none).</summary>
public sealed class TeacherUnavailableException(string message) : Exception(message);
