using System.Diagnostics;

namespace InferenceService.Telemetry;

/// <summary>
/// Our spans, children of the ASP.NET Core request span: <c>student inference</c>, <c>teacher call</c> (the guarded call
/// to the embedded or remote teacher), <c>teacher inference</c> (on a teacher-only replica) and <c>capture</c>.
/// </summary>
public static class ServingTelemetry
{
    public const string SourceName = "Serving.Inference";
    public static readonly ActivitySource Source = new(SourceName);
}
