using System.ComponentModel.DataAnnotations;

namespace InferenceService.Authentication;

/// <summary>
/// API keys, section <c>Authentication</c>. Keys are secrets: supply them from the environment
/// (<c>Authentication__ApiKeys__0</c>, <c>Authentication__AdminKeys__0</c>, e.g. from a Kubernetes Secret), not from
/// a file in the image. Clients send <c>authorization: Bearer &lt;key&gt;</c> or <c>x-api-key: &lt;key&gt;</c>.
/// </summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    public const string SectionName = "Authentication";

    /// <summary>Long enough that guessing is hopeless (e.g. <c>openssl rand -base64 32</c> gives 44).</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>Keys that may call <c>Classifier</c>. Empty leaves <c>Classifier</c> open to anyone who can reach the port.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Keys that may call <c>ModelAdmin</c> (and <c>Classifier</c>). Empty refuses every admin call.</summary>
    public List<string> AdminKeys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Check(nameof(ApiKeys), ApiKeys).Concat(Check(nameof(AdminKeys), AdminKeys));

    // Messages name the position, never the key: start-up errors end up in logs.
    private static IEnumerable<ValidationResult> Check(string name, List<string> keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            if (string.IsNullOrEmpty(key) || key.Length < MinimumKeyLength)
                yield return new ValidationResult(
                    $"{SectionName}:{name}:{i} has {key?.Length ?? 0} characters; a key needs at least {MinimumKeyLength} (e.g. openssl rand -base64 32)",
                    [name]);
            else if (key.Any(c => c <= ' ' || c > '~'))
                yield return new ValidationResult(
                    $"{SectionName}:{name}:{i} contains whitespace, control or non-ASCII characters, which cannot be sent in a gRPC header",
                    [name]);
        }
    }
}
