namespace InferenceService.Cascade;

/// <summary>Which model's answer the client received.</summary>
public enum Responder
{
    Student,
    Teacher,
}
