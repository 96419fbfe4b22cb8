using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Google.Protobuf;
using Grpc.Core;
using InferenceService.Tests.Infrastructure;
using Serving.V1;
using Xunit.Abstractions;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Fuzzing the public API in process, over real HTTP/2: assembled requests full of edge values, valid requests with
/// mutated bytes, and raw bodies with broken gRPC framing. The server must not crash, must answer each with a
/// status that blames the client (never our "internal error"), and must not keep memory. Seeded: set FUZZ_SEED to
/// explore other inputs, FUZZ_SCALE to send more.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20261122;
    private const int AssembledCount = 5000;
    private const int MutatedCount = 4000;
    private const int RawCount = 3000;
    private const int Parallelism = 4;
    private const string OurInternalError = "internal error; see the server log";
    private const string GrpcUnreadableUnaryMessage = "Exception was thrown by handler.";

    private static readonly StatusCode[] WellFormed =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.ResourceExhausted];

    private static readonly string[] Paths =
        ["/serving.v1.Classifier/Classify", "/serving.v1.Classifier/Classify", "/serving.v1.Classifier/ClassifyStream", "/serving.v1.Classifier/GetModelInfo"];

    [Fact]
    public async Task Classify_TwelveThousandHostileMessages_NoCrashOnlyClientErrorsAndStableMemory()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        var scale = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SCALE"), CultureInfo.InvariantCulture, out var x) ? x : 1;
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Serving:MaxMessageBytes"] = "65536" };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings, grpcPort: ServiceFactory.FreePort()).StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{service.GrpcPort}") };
        var raw = new RawGrpcClient(http);
        var client = service.Client;
        var fuzzer = new RequestFuzzer(seed);

        var warmup = Cases(fuzzer, client, raw, 300, 300, 300);
        var cases = Cases(fuzzer, client, raw, AssembledCount * scale, MutatedCount * scale, RawCount * scale);
        await RunAsync(warmup, new FuzzTally());
        var heapBefore = Heap();
        var tally = new FuzzTally();
        var started = Stopwatch.GetTimestamp();
        await RunAsync(cases, tally);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var heapAfter = Heap();
        var stillServing = await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        output.WriteLine($"seed {seed}: {tally.Total} messages in {elapsed.TotalSeconds:0.0} s; managed heap {heapBefore / 1024} KiB before, {heapAfter / 1024} KiB after");
        foreach (var line in tally.Describe())
            output.WriteLine("  " + line);

        Assert.True(tally.Total >= 12_000);
        Assert.True(tally.ViolationCount == 0, $"{tally.ViolationCount} responses outside the allowed set, e.g.:\n" +
            string.Join("\n", tally.Violations.Take(10)));
        Assert.Equal(0, stillServing.LabelIndex);
        // Everything a request allocates must be collectable once it is answered: a fixed allowance for pools and
        // caches that grow to a working size, far below what 12 000 requests would leave if each kept even 1 KiB.
        Assert.True(heapAfter - heapBefore < 8 * 1024 * 1024, $"managed heap grew by {(heapAfter - heapBefore) / 1024} KiB");
    }

    /// <summary>
    /// The precise set each kind of input may get. A well-formed request can be refused for what it says
    /// (INVALID_ARGUMENT, NOT_FOUND) or its size (RESOURCE_EXHAUSTED). A body that cannot be read as one message
    /// (framing, compression, protobuf) is refused by grpc-dotnet before our code runs: INTERNAL for framing it
    /// checks itself, UNKNOWN "Exception was thrown by handler." for a unary message it cannot parse; on a stream
    /// the service answers INVALID_ARGUMENT. Never our own INTERNAL, which would mean a bug on our side.
    /// </summary>
    private static bool Allowed(FuzzOutcome outcome)
    {
        if (outcome.HttpStatus != 200 || outcome.Detail.Contains(OurInternalError, StringComparison.Ordinal))
            return false;
        var unparsableUnary = outcome.Status == StatusCode.Unknown && outcome.Detail == GrpcUnreadableUnaryMessage;
        return outcome.Category switch
        {
            "assembled" or "mutated, parses" => WellFormed.Contains(outcome.Status),
            "mutated, unparseable" => unparsableUnary,
            _ => WellFormed.Contains(outcome.Status) || outcome.Status == StatusCode.Internal ||
                 (unparsableUnary && !outcome.Kind.EndsWith("to ClassifyStream", StringComparison.Ordinal)),
        };
    }

    private static List<Func<Task<FuzzOutcome>>> Cases(RequestFuzzer fuzzer, Classifier.ClassifierClient client, RawGrpcClient raw,
        int assembled, int mutated, int rawBodies)
    {
        var cases = new List<Func<Task<FuzzOutcome>>>();
        for (var i = 0; i < assembled; i++)
        {
            var request = fuzzer.Assembled();
            cases.Add(() => Typed(client, request));
        }
        for (var i = 0; i < mutated; i++)
        {
            var bytes = fuzzer.Mutated();
            var category = Parses(bytes) ? "mutated, parses" : "mutated, unparseable";
            cases.Add(() => Raw(raw, category, "mutated request", Paths[0], RawGrpcClient.Frame(bytes), null));
        }
        for (var i = 0; i < rawBodies; i++)
        {
            var (kind, body, encoding) = fuzzer.RawBody();
            var path = Paths[i % Paths.Length];
            cases.Add(() => Raw(raw, "raw body", $"{kind} to {path[(path.LastIndexOf('/') + 1)..]}", path, body, encoding));
        }
        return cases;
    }

    /// <summary>Runs the cases a few at a time; only counts are kept, so the test's own memory does not grow with them.</summary>
    private static async Task RunAsync(List<Func<Task<FuzzOutcome>>> cases, FuzzTally tally)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Parallelism).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < cases.Count)
                tally.Add(await cases[i](), Allowed);
        })));
    }

    private static async Task<FuzzOutcome> Typed(Classifier.ClassifierClient client, ClassifyRequest request)
    {
        try
        {
            await client.ClassifyAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
            return new FuzzOutcome("assembled", "request", 200, StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return new FuzzOutcome("assembled", "request", 200, e.StatusCode, e.Status.Detail);
        }
    }

    private static async Task<FuzzOutcome> Raw(RawGrpcClient raw, string category, string kind, string path, byte[] body, string? encoding)
    {
        var result = await raw.SendAsync(path, body, encoding);
        return new FuzzOutcome(category, kind, result.HttpStatus, result.Status ?? StatusCode.Unknown, result.Message);
    }

    private static bool Parses(byte[] bytes)
    {
        try
        {
            ClassifyRequest.Parser.ParseFrom(bytes);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static long Heap()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>What one fuzz message got back.</summary>
internal sealed record FuzzOutcome(string Category, string Kind, int HttpStatus, StatusCode Status, string Detail);
