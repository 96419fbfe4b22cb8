using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace InferenceService.Authentication;

/// <summary>
/// Checks presented keys against the configured ones in constant time: both sides are hashed to 32 bytes (so lengths
/// never differ) and compared with <see cref="CryptographicOperations.FixedTimeEquals"/> against every configured key,
/// without stopping at the first match, so timing reveals neither a key's prefix nor which key matched.
/// </summary>
public sealed class ApiKeyVerifier
{
    private readonly byte[][] classifyKeys;
    private readonly byte[][] adminKeys;

    public ApiKeyVerifier(IOptions<ApiKeyOptions> options)
    {
        classifyKeys = options.Value.ApiKeys.Select(Hash).ToArray();
        adminKeys = options.Value.AdminKeys.Select(Hash).ToArray();
    }

    /// <summary>No classify key is configured: <c>Classifier</c> needs none.</summary>
    public bool ClassifyIsOpen => classifyKeys.Length == 0;

    /// <summary>An admin key is configured; without one, admin calls are refused.</summary>
    public bool AdminIsEnabled => adminKeys.Length > 0;

    /// <summary>What the key grants: <see cref="AccessLevel.Admin"/>, <see cref="AccessLevel.Classify"/>, or null for an unknown key.</summary>
    public AccessLevel? Grant(string presented)
    {
        var hash = Hash(presented);
        var admin = Matches(hash, adminKeys);
        var classify = Matches(hash, classifyKeys);
        return admin ? AccessLevel.Admin : classify ? AccessLevel.Classify : null;
    }

    private static bool Matches(byte[] hash, byte[][] keys)
    {
        var found = false;
        foreach (var key in keys)
            found |= CryptographicOperations.FixedTimeEquals(hash, key);
        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
