using System.Diagnostics.Metrics;
using InferenceService.Telemetry;

namespace InferenceService.Tests.Inference;

/// <summary>Which instance each run used, as the <c>serving.instance.busy</c> metric reports it.</summary>
internal sealed class InstanceRuns : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly List<string> labels = [];

    public InstanceRuns(ServingMetrics metrics)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "serving.instance.busy")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "instance")
                {
                    lock (labels)
                        labels.Add((string)tag.Value!);
                }
            }
        });
        listener.Start();
    }

    /// <summary>The instance label of every run so far, in the order they ended.</summary>
    public IReadOnlyList<string> Labels
    {
        get
        {
            lock (labels)
                return labels.ToArray();
        }
    }

    public void Dispose() => listener.Dispose();
}
