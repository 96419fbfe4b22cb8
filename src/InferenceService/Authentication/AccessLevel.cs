namespace InferenceService.Authentication;

/// <summary>What a call needs, and what a key grants; higher levels include lower ones.</summary>
public enum AccessLevel
{
    /// <summary>Health checks, reflection: never need a key.</summary>
    Open,

    /// <summary><c>serving.v1.Classifier</c>.</summary>
    Classify,

    /// <summary><c>serving.v1.ModelAdmin</c>.</summary>
    Admin,
}
