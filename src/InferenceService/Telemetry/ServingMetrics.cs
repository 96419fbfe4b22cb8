using System.Diagnostics.Metrics;

namespace InferenceService.Telemetry;

/// <summary>The service's own instruments, on the meter <see cref="MeterName"/> (exported next to Polly's and the runtime's).</summary>
public sealed class ServingMetrics
{
    public const string MeterName = "Serving.Inference";

    // Latencies here live between a fraction of a millisecond and a few seconds; the exporter defaults do not.
    private static readonly double[] SecondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly Histogram<double> requestDuration;
    private readonly Histogram<double> inferenceDuration;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<double> queueDelay;
    private readonly Counter<double> instanceBusy;
    private readonly Counter<long> fallbacks;
    private readonly Counter<long> degraded;
    private readonly Counter<long> agreement;

    public ServingMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        requestDuration = Meter.CreateHistogram("serving.request.duration", "s", "Classify duration by who answered and route",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        inferenceDuration = Meter.CreateHistogram("serving.inference.duration", "s", "One ONNX Runtime run, by model, role and batch size",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        batchSize = Meter.CreateHistogram("serving.batch.size", "{request}", "Requests per ONNX Runtime run",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        queueDelay = Meter.CreateHistogram("serving.queue.delay", "s", "Time a request waited for its batch",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        instanceBusy = Meter.CreateCounter<double>("serving.instance.busy", "s",
            "Time each model instance spent running batches; its rate is the instance's utilization");
        fallbacks = Meter.CreateCounter<long>("serving.fallbacks", "{request}", "AUTO requests handed to the teacher");
        degraded = Meter.CreateCounter<long>("serving.degraded", "{request}", "Student answers given because the teacher was unavailable");
        agreement = Meter.CreateCounter<long>("serving.agreement", "{request}", "Requests where both models ran, by whether they agreed");
    }

    public Meter Meter { get; }

    public void RequestCompleted(string servedBy, string route, TimeSpan elapsed) =>
        requestDuration.Record(elapsed.TotalSeconds, new("served_by", servedBy), new("route", route));

    public void BatchRun(string model, string role, int size, TimeSpan elapsed)
    {
        inferenceDuration.Record(elapsed.TotalSeconds, new("model", model), new("role", role), new("batch_size", size));
        batchSize.Record(size, new("model", model), new("role", role));
    }

    public void InstanceBusy(string model, string role, string instance, TimeSpan elapsed) =>
        instanceBusy.Add(elapsed.TotalSeconds, new("model", model), new("role", role), new("instance", instance));

    public void QueueWaited(string model, string role, TimeSpan waited) =>
        queueDelay.Record(waited.TotalSeconds, new("model", model), new("role", role));

    public void Fallback(string model) => fallbacks.Add(1, new KeyValuePair<string, object?>("model", model));

    public void Degraded(string model, string reason) => degraded.Add(1, new("model", model), new("reason", reason));

    public void Agreement(string model, bool agree) => agreement.Add(1, new("model", model), new("agree", agree ? "true" : "false"));
}
