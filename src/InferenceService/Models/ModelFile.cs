namespace InferenceService.Models;

/// <summary>One version of one role's model file in the repository.</summary>
public sealed record ModelFile(string Version, string Path);
