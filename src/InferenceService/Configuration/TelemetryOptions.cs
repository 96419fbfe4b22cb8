using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

/// <summary>Tracing. (Metrics are always on: Prometheus scrapes them.)</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Share of requests that start a trace; a request whose caller's trace is sampled is traced as well. Unset: every
    /// request when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT), none otherwise: spans nobody receives still cost
    /// every request their allocations and tags (see docs/benchmarks.md, tracing-c1).
    /// </summary>
    [Range(0.0, 1.0)]
    public double? TraceSampleRatio { get; set; }

    public double EffectiveTraceSampleRatio(bool exporting) => TraceSampleRatio ?? (exporting ? 1.0 : 0.0);
}
