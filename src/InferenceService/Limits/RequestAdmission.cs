using System.Diagnostics.Metrics;
using Grpc.Core;
using InferenceService.Configuration;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;

namespace InferenceService.Limits;

/// <summary>
/// Admission control for Classify: at most <see cref="ServingOptions.MaxInFlightRequests"/> requests are served at
/// once, and the next one is refused with RESOURCE_EXHAUSTED before any work (decoding, inference) is done. Without
/// it, a replica with batching off (or a teacher backlog) keeps accepting calls that then wait on the thread pool for
/// ever longer. This is the replica's load shedding: an admitted request waits in at most one batching queue at a
/// time, so a queue (<see cref="BatchingOptions.MaxQueueSize"/>) only refuses work when set below this limit. One
/// interlocked counter, no lock: the check costs the same under overload as when idle.
/// </summary>
public sealed class RequestAdmission
{
    private readonly int limit;
    private readonly Counter<long> shed;
    private int inFlight;

    public RequestAdmission(IOptions<ServingOptions> options, ServingMetrics metrics)
    {
        limit = options.Value.MaxInFlightRequests;
        metrics.Meter.CreateObservableUpDownCounter("serving.requests.in_flight", () => Volatile.Read(ref inFlight), "{request}",
            "Classify requests being served");
        shed = metrics.Meter.CreateCounter<long>("serving.requests.shed", "{request}",
            "Classify requests refused with RESOURCE_EXHAUSTED because the in-flight limit was reached");
    }

    public int InFlight => Volatile.Read(ref inFlight);

    /// <summary>Admits one request until the lease is disposed, or throws RESOURCE_EXHAUSTED when the replica is full.</summary>
    public Lease Enter()
    {
        // Optimistic increment: a request that overshoots takes its count back, so the limit is never exceeded.
        if (Interlocked.Increment(ref inFlight) > limit)
        {
            Interlocked.Decrement(ref inFlight);
            shed.Add(1);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"the server is serving its limit of {limit} requests; retry with backoff"));
        }
        return new Lease(this);
    }

    /// <summary>One admitted request; disposing it frees the slot (exactly once: use it in a using declaration).</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly RequestAdmission owner;

        internal Lease(RequestAdmission owner) => this.owner = owner;

        public void Dispose() => Interlocked.Decrement(ref owner.inFlight);
    }
}
