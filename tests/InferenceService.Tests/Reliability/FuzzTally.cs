using System.Collections.Concurrent;
using Grpc.Core;

namespace InferenceService.Tests.Reliability;

/// <summary>Counts of fuzz outcomes by input category and status, with one example each, and the first violations.</summary>
internal sealed class FuzzTally
{
    private const int MaxViolationsKept = 50;
    private readonly ConcurrentDictionary<(string Category, StatusCode Status), (int Count, FuzzOutcome Example)> counts = new();
    private readonly ConcurrentQueue<FuzzOutcome> violations = new();
    private int total;
    private int violationCount;

    public int Total => Volatile.Read(ref total);

    public int ViolationCount => Volatile.Read(ref violationCount);

    public IReadOnlyCollection<FuzzOutcome> Violations => violations;

    public void Add(FuzzOutcome outcome, Func<FuzzOutcome, bool> allowed)
    {
        Interlocked.Increment(ref total);
        counts.AddOrUpdate((outcome.Category, outcome.Status), _ => (1, outcome), (_, c) => (c.Count + 1, c.Example));
        if (allowed(outcome))
            return;
        if (Interlocked.Increment(ref violationCount) <= MaxViolationsKept)
            violations.Enqueue(outcome);
    }

    public IEnumerable<string> Describe() =>
        counts.OrderBy(c => c.Key.Category, StringComparer.Ordinal).ThenBy(c => c.Key.Status).Select(c =>
            $"{c.Key.Category,-22} {c.Key.Status,-18} {c.Value.Count,6}  e.g. {c.Value.Example.Kind}: {Shorten(c.Value.Example.Detail)}");

    private static string Shorten(string text) => text.Length <= 90 ? text : text[..90] + "…";
}
