using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace InferenceService.Tests.Reliability;

/// <summary>A self-signed server certificate for 127.0.0.1 and localhost, made by the test (no machine store involved).</summary>
internal static class TestCertificate
{
    public static X509Certificate2 Create(string subject = "CN=inference-service-test")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Writes <c>server.crt</c> and <c>server.key</c> (PEM, unencrypted PKCS#8); returns their paths.</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate, string directory)
    {
        var certificatePath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>Writes <c>server.pfx</c> (PKCS#12) protected by <paramref name="password"/>; returns its path.</summary>
    public static string WritePfx(X509Certificate2 certificate, string directory, string password)
    {
        var path = Path.Combine(directory, "server.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>A client handler that trusts exactly <paramref name="trusted"/> (as its own root) and checks the host name.</summary>
    public static HttpClientHandler TrustingOnly(X509Certificate2 trusted) => new()
    {
        ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
        {
            if (presented is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(trusted);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(presented) && chain.ChainElements[^1].Certificate.Thumbprint == trusted.Thumbprint;
        },
    };
}
