using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Sends arbitrary bytes as a gRPC request body over real HTTP/2 (h2c), so a test can put frames on the wire that no
/// gRPC client would produce: bad length prefixes, compressed flags, garbage payloads, several messages on a unary call.
/// </summary>
internal sealed class RawGrpcClient(HttpClient http)
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    /// <summary>A length-prefixed message: [compressed flag][u32 big-endian length][payload].</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte compressed = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public async Task<RawGrpcResult> SendAsync(string path, byte[] body, string? encoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (encoding is not null)
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await http.SendAsync(request, timeout.Token);
        await response.Content.ReadAsByteArrayAsync(timeout.Token); // trailers arrive after the body
        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        var message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
        return new RawGrpcResult((int)response.StatusCode, status is null ? null : (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            message is null ? "" : Uri.UnescapeDataString(message));
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>The HTTP status, and the gRPC status and message (null when the response carried none).</summary>
internal sealed record RawGrpcResult(int HttpStatus, StatusCode? Status, string Message);
