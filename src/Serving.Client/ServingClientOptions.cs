using System.ComponentModel.DataAnnotations;

namespace Serving.Client;

/// <summary>Where the service is and how to call it; section <c>ServingClient</c> when bound from configuration.</summary>
public sealed class ServingClientOptions : IValidatableObject
{
    public const string SectionName = "ServingClient";

    /// <summary><c>http://host:port</c> (h2c) or <c>https://host:port</c> (TLS).</summary>
    [Required]
    public Uri? Address { get; set; }

    /// <summary>Sent as <c>authorization: Bearer &lt;key&gt;</c> on every call; null sends none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// PEM file of a certificate authority to trust for an https address besides the system's (a private CA or a
    /// self-signed server certificate). Null trusts the system store only.
    /// </summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>Deadline given to unary calls made without one; a call's own deadline wins. Zero sends none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Attempts per unary call including the first (1 disables retries). Only UNAVAILABLE and RESOURCE_EXHAUSTED are
    /// retried: the replica was down, draining or shedding load, so the same request may succeed a moment later.
    /// </summary>
    [Range(1, 5)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Upper bound of the first retry's randomized backoff; later ones grow by <see cref="BackoffMultiplier"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);

    [Range(1.0, 10.0)]
    public double BackoffMultiplier { get; set; } = 2.0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Address is { } address && (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https")))
            yield return new ValidationResult($"{nameof(Address)} must be an absolute http:// or https:// address", [nameof(Address)]);
        if (DefaultDeadline < TimeSpan.Zero)
            yield return new ValidationResult($"{nameof(DefaultDeadline)} must not be negative", [nameof(DefaultDeadline)]);
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
            yield return new ValidationResult($"{nameof(InitialBackoff)} must be positive and at most {nameof(MaxBackoff)}", [nameof(InitialBackoff)]);
        if (TrustedCertificatePath is { } path && !File.Exists(path))
            yield return new ValidationResult($"{nameof(TrustedCertificatePath)} '{path}' does not exist", [nameof(TrustedCertificatePath)]);
    }
}
