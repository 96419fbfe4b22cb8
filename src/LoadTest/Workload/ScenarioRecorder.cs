using System.Collections.Concurrent;
using Grpc.Core;
using HdrHistogram;
using Serving.V1;

namespace LoadTest.Workload;

/// <summary>
/// Collects one scenario's outcomes from many concurrent callers: latency in an HdrHistogram (microseconds, 3
/// significant digits, up to 10 minutes), errors by status code, who served, degraded answers and correctness.
/// </summary>
public sealed class ScenarioRecorder
{
    private const long HighestMicroseconds = 600_000_000;
    private readonly Lock gate = new();
    private readonly LongHistogram histogram = new(1, HighestMicroseconds, 3);
    private readonly ConcurrentDictionary<StatusCode, long> errors = new();
    private long succeeded;
    private long servedByTeacher;
    private long degraded;
    private long correct;

    public long Succeeded => Interlocked.Read(ref succeeded);
    public long Errors => errors.Values.Sum();
    public long Completed => Succeeded + Errors;

    public void RecordSuccess(long microseconds, ClassifyResponse response, int expectedLabel)
    {
        lock (gate)
            histogram.RecordValue(Math.Clamp(microseconds, 1, HighestMicroseconds));
        Interlocked.Increment(ref succeeded);
        if (response.ServedBy == ServedBy.Teacher)
            Interlocked.Increment(ref servedByTeacher);
        if (response.Degraded)
            Interlocked.Increment(ref degraded);
        if (response.LabelIndex == expectedLabel)
            Interlocked.Increment(ref correct);
    }

    public void RecordError(StatusCode status) => errors.AddOrUpdate(status, 1, (_, n) => n + 1);

    /// <summary>Latency at a percentile so far (for live progress), in microseconds.</summary>
    public long Percentile(double p)
    {
        lock (gate)
            return histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(p);
    }

    public ScenarioResult Snapshot(string name, string mode, double seconds)
    {
        HistogramBase copy;
        lock (gate)
            copy = histogram.Copy();
        var ok = Succeeded;
        long At(double p) => copy.TotalCount == 0 ? 0 : copy.GetValueAtPercentile(p);
        var curve = copy.TotalCount == 0
            ? []
            : PercentileCurve.Points.Select(p => new PercentilePoint(p, At(p))).ToArray();
        return new ScenarioResult
        {
            Name = name,
            Mode = mode,
            Seconds = seconds,
            Requests = ok + Errors,
            ThroughputRps = seconds > 0 ? ok / seconds : 0,
            P50Us = At(50),
            P90Us = At(90),
            P99Us = At(99),
            P999Us = At(99.9),
            MaxUs = copy.TotalCount == 0 ? 0 : copy.GetMaxValue(),
            MeanUs = copy.TotalCount == 0 ? 0 : copy.GetMean(),
            Errors = Errors,
            ErrorsByStatus = errors.ToDictionary(e => e.Key.ToString(), e => e.Value),
            TeacherShare = ok == 0 ? 0 : (double)Interlocked.Read(ref servedByTeacher) / ok,
            Degraded = Interlocked.Read(ref degraded),
            Accuracy = ok == 0 ? 0 : (double)Interlocked.Read(ref correct) / ok,
            Curve = curve,
        };
    }
}
