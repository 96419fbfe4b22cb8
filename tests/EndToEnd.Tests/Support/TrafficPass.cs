using System.Collections.Concurrent;
using Grpc.Core;
using Serving.V1;

namespace EndToEnd.Tests.Support;

/// <summary>One pass of a set of images through Classify, a few calls at a time: who answered, how well, what failed.</summary>
internal sealed record TrafficPass(int Requests, int ByTeacher, int Correct, IReadOnlyList<RpcException> Failures)
{
    public double TeacherShare => (double)ByTeacher / Requests;
    public double Accuracy => (double)Correct / Requests;

    public static async Task<TrafficPass> RunAsync(Classifier.ClassifierClient client, ImageDataset images, string idPrefix,
        Route route = Route.Auto, int concurrency = 4)
    {
        var byTeacher = 0;
        var correct = 0;
        var failures = new ConcurrentQueue<RpcException>();
        await Parallel.ForEachAsync(Enumerable.Range(0, images.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, token) =>
            {
                try
                {
                    var response = await client.ClassifyAsync(Request(images, i, route, $"{idPrefix}-{i}"), cancellationToken: token);
                    if (response.ServedBy == ServedBy.Teacher)
                        Interlocked.Increment(ref byTeacher);
                    if (response.LabelIndex == images.Labels[i])
                        Interlocked.Increment(ref correct);
                }
                catch (RpcException e)
                {
                    failures.Enqueue(e);
                }
            });
        return new TrafficPass(images.Count, byTeacher, correct, failures.ToArray());
    }

    public static ClassifyRequest Request(ImageDataset images, int index, Route route, string requestId)
    {
        var tensor = new Tensor();
        tensor.Shape.AddRange([images.Shape.Channels, images.Shape.Height, images.Shape.Width]);
        tensor.Data.AddRange(images.ToFloats(index, 1));
        return new ClassifyRequest { Tensor = tensor, Route = route, RequestId = requestId };
    }
}
