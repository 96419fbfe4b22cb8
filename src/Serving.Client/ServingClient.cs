using System.Runtime.CompilerServices;
using Grpc.Core;
using Serving.V1;

namespace Serving.Client;

/// <summary>
/// Typed calls to <c>serving.v1.Classifier</c>. Registered by <see cref="ServingClientRegistration.AddServingClient"/>;
/// failures surface as <see cref="RpcException"/> with the service's status and message (after the retries the
/// options allow for UNAVAILABLE and RESOURCE_EXHAUSTED).
/// </summary>
public sealed class ServingClient(Classifier.ClassifierClient client)
{
    /// <summary>The generated client, for calls this wrapper does not cover.</summary>
    public Classifier.ClassifierClient Grpc => client;

    /// <summary>Classifies one image (see <see cref="ClassifyRequests"/> for building requests).</summary>
    public async Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        await client.ClassifyAsync(request, deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Classifies PNG or JPEG bytes; the service decodes and resizes them to the model's input.</summary>
    public Task<ClassifyResponse> ClassifyImageAsync(ReadOnlyMemory<byte> image, ClassifyOptions? options = null, CancellationToken cancellationToken = default) =>
        ClassifyAsync(ClassifyRequests.FromImage(image.Span, options), cancellationToken: cancellationToken);

    /// <summary>
    /// Sends the requests over one stream and yields one response per request, in order. A failed request ends the
    /// stream with its status (an <see cref="RpcException"/> from the enumeration). Streams are not retried.
    /// </summary>
    public async IAsyncEnumerable<ClassifyResponse> ClassifyStreamAsync(IAsyncEnumerable<ClassifyRequest> requests,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = client.ClassifyStream(cancellationToken: cancellationToken);
        var writing = WriteAllAsync(call.RequestStream, requests, cancellationToken);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return response;
        await writing.ConfigureAwait(false);
    }

    /// <summary>Labels, input shape, threshold and live versions of a model (empty name: the default model).</summary>
    public async Task<ModelInfo> GetModelInfoAsync(string model = "", CancellationToken cancellationToken = default) =>
        await client.GetModelInfoAsync(new GetModelInfoRequest { Model = model }, cancellationToken: cancellationToken).ConfigureAwait(false);

    private static async Task WriteAllAsync(IClientStreamWriter<ClassifyRequest> writer, IAsyncEnumerable<ClassifyRequest> requests,
        CancellationToken cancellationToken)
    {
        await foreach (var request in requests.WithCancellation(cancellationToken).ConfigureAwait(false))
            await writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await writer.CompleteAsync().ConfigureAwait(false);
    }
}
