using Grpc.Core;
using Grpc.Net.Client;
using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// TLS is Kestrel's own endpoint configuration (<c>Kestrel:Endpoints:Grpc:Certificate:*</c>); these tests start the
/// service on a loopback https port with a certificate they create and call it through a client that trusts only it.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class TlsTests
{
    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task Classify_OverTls_AnswersClientThatTrustsTheCertificateAndRefusesOthers(string format)
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var secrets = new TempDirectory();
        using var certificate = TestCertificate.Create();
        var port = ServiceFactory.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"https://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        };
        if (format == "pem")
        {
            var (path, key) = TestCertificate.WritePem(certificate, secrets.Path);
            settings["Kestrel:Endpoints:Grpc:Certificate:Path"] = path;
            settings["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = key;
        }
        else
        {
            settings["Kestrel:Endpoints:Grpc:Certificate:Path"] = TestCertificate.WritePfx(certificate, secrets.Path, "s3cret-for-test");
            settings["Kestrel:Endpoints:Grpc:Certificate:Password"] = "s3cret-for-test";
        }
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings, grpcPort: port).StartAsync();

        using var trusting = GrpcChannel.ForAddress($"https://127.0.0.1:{port}",
            new GrpcChannelOptions { HttpHandler = TestCertificate.TrustingOnly(certificate) });
        var answer = await new Classifier.ClassifierClient(trusting).ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        // Another self-signed certificate with the same subject must not be accepted in its place.
        using var impostor = TestCertificate.Create();
        using var trustingOther = GrpcChannel.ForAddress($"https://127.0.0.1:{port}",
            new GrpcChannelOptions { HttpHandler = TestCertificate.TrustingOnly(impostor) });
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Classifier.ClassifierClient(trustingOther).ClassifyAsync(Requests.Tensor(TinyModels.Confident)));
        // Plaintext HTTP/2 to the TLS port gets no gRPC answer either.
        using var plaintext = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var plaintextError = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Classifier.ClassifierClient(plaintext).ClassifyAsync(Requests.Tensor(TinyModels.Confident),
                deadline: DateTime.UtcNow.AddSeconds(10)));

        Assert.Equal(0, answer.LabelIndex);
        Assert.Equal(ServedBy.Student, answer.ServedBy);
        // grpc-dotnet reports a failed handshake as INTERNAL with the TLS error as the cause.
        Assert.True(refused.StatusCode is StatusCode.Internal or StatusCode.Unavailable, refused.Status.ToString());
        Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.Status.DebugException?.InnerException);
        Assert.NotEqual(StatusCode.OK, plaintextError.StatusCode);
    }
}
