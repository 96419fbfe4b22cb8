using Serving.V1;

namespace LoadTest.Protocols;

/// <summary>
/// One call of a scenario in some protocol, answered as a serving.v1 response so that the recorder counts accuracy,
/// teacher share and degraded answers the same way for every protocol.
/// </summary>
public interface IClassifyCaller
{
    Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, DateTime deadline);
}

/// <summary>serving.v1 <c>Classify</c> itself.</summary>
public sealed class V1Caller(Classifier.ClassifierClient client) : IClassifyCaller
{
    public async Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, DateTime deadline) =>
        await client.ClassifyAsync(request, deadline: deadline).ConfigureAwait(false);
}
