using System.Threading.RateLimiting;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Telemetry;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Registry;
using Polly.Timeout;

namespace InferenceService.Cascade;

/// <summary>
/// Calls the teacher through the <c>teacher</c> resilience pipeline and turns any failure into a null answer with a
/// reason, so the cascade can fall back to the student instead of failing the request.
/// </summary>
public sealed class TeacherGuard(ITeacher teacher, ResiliencePipelineProvider<string> pipelines, ILogger<TeacherGuard> logger)
{
    private readonly ResiliencePipeline pipeline = pipelines.GetPipeline(TeacherOptions.PipelineName);

    /// <summary>The teacher's answer, or null with the reason it is missing. Cancellation by the caller still throws.</summary>
    public async Task<(Prediction? Answer, string? FailureReason)> TryClassifyAsync(ServedModel model,
        ReadOnlyMemory<float> pixels, string requestId, CancellationToken cancellationToken)
    {
        using var activity = ServingTelemetry.Source.StartActivity("teacher call");
        activity?.SetTag("serving.model", model.Name);
        activity?.SetTag("serving.teacher.remote", teacher.IsRemote);
        try
        {
            var answer = await pipeline.ExecuteAsync(
                static (state, token) => state.teacher.ClassifyAsync(state.model, state.pixels, state.requestId, token),
                (teacher, model, pixels, requestId), cancellationToken).ConfigureAwait(false);
            return (answer, null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = e switch
            {
                BrokenCircuitException => "circuit_open",
                TimeoutRejectedException => "timeout",
                RateLimiterRejectedException => "saturated",
                QueueFullException => "saturated",
                _ => "error",
            };
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, reason);
            if (reason == "error")
                logger.LogWarning("Teacher of {Model} failed ({Error}: {Message}); the student answers", model.Name, e.GetType().Name, e.Message);
            else
                logger.LogDebug("Teacher of {Model} unavailable: {Reason}", model.Name, reason);
            return (null, reason);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The caller gave up while the teacher failed (e.g. its deadline and the teacher's timeout fell together):
            // report the caller's cancellation, which is what the client sees, not the teacher's failure as our fault.
            throw new OperationCanceledException("the call was cancelled while the teacher was answering", e, cancellationToken);
        }
    }

    /// <summary>
    /// Registers the pipeline: concurrency limit (outermost: sheds load first), circuit breaker, then timeout. The
    /// timeout, the breaker's sampling window and its break are measured on <paramref name="time"/>.
    /// </summary>
    public static void Configure(ResiliencePipelineBuilder builder, TeacherOptions options, TimeProvider time)
    {
        builder.TimeProvider = time;
        builder
            .AddConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = options.MaxConcurrency,
                QueueLimit = options.MaxQueue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(options.SamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(options.BreakSeconds),
            })
            .AddTimeout(TimeSpan.FromMilliseconds(options.TimeoutMilliseconds));
    }
}
