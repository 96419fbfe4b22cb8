using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.FashionMnist;

internal static class FashionMnistClassification
{
    /// <summary>Classifies <paramref name="count"/> requests over four concurrent streams against a fresh service.</summary>
    public static async Task<ClassifyResponse[]> ClassifyAll(string modelRoot, string samples, int count, Func<int, ClassifyRequest> request,
        string studentPrecision = "Fp32")
    {
        var settings = new Dictionary<string, string?>
        {
            ["ModelRepository:StudentPrecision"] = studentPrecision,
            ["ModelRepository:DefaultModel"] = "fashion-mnist",
            ["OnnxRuntime:IntraOpThreads"] = "2",
            ["Batching:MaxBatchSize"] = "32",
            ["Batching:MaxQueueDelayMicroseconds"] = "1000",
        };
        await using var service = await new ServiceFactory(modelRoot, samples, settings).StartAsync();
        var client = service.Client;
        var results = new ClassifyResponse[count];
        // Concurrent streams let the dynamic batcher gather work, as concurrent clients would.
        const int streams = 4;
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async s =>
        {
            using var call = client.ClassifyStream();
            var indices = Enumerable.Range(0, count).Where(i => i % streams == s).ToArray();
            var reading = Task.Run(async () =>
            {
                foreach (var i in indices)
                {
                    if (!await call.ResponseStream.MoveNext(CancellationToken.None))
                        throw new InvalidOperationException("stream ended early");
                    results[i] = call.ResponseStream.Current;
                }
            });
            foreach (var i in indices)
                await call.RequestStream.WriteAsync(request(i));
            await call.RequestStream.CompleteAsync();
            await reading;
        }));
        return results;
    }
}
