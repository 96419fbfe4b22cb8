using System.Diagnostics;

namespace InferenceService.Telemetry;

/// <summary>Our spans: student inference, teacher call, capture (children of the ASP.NET Core request span).</summary>
public static class ServingTelemetry
{
    public const string SourceName = "Serving.Inference";
    public static readonly ActivitySource Source = new(SourceName);
}
