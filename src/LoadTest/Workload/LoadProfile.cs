namespace LoadTest.Workload;

/// <summary>
/// How load is applied. Open loop (<see cref="Rate"/>): requests leave on a fixed schedule whatever the service does,
/// and latency counts from each intended send time, so a stalled service cannot hide its queueing (no coordinated
/// omission). Closed loop (<see cref="Concurrency"/>): that many calls are kept in flight.
/// </summary>
public sealed record LoadProfile(double? Rate, int? Concurrency, int Connections, TimeSpan Duration, TimeSpan Warmup, TimeSpan Deadline)
{
    public bool OpenLoop => Rate is not null;

    public string Describe() => OpenLoop ? $"open loop at {Rate:0.#} req/s" : $"closed loop, {Concurrency} in flight";

    public void Validate()
    {
        if ((Rate is null) == (Concurrency is null))
            throw new ArgumentException("give exactly one of --rate (open loop) or --concurrency (closed loop)");
        if (Rate is <= 0)
            throw new ArgumentException("--rate must be positive");
        if (Concurrency is <= 0)
            throw new ArgumentException("--concurrency must be positive");
        if (Connections <= 0)
            throw new ArgumentException("--connections must be positive");
        if (Duration <= TimeSpan.Zero)
            throw new ArgumentException("--duration must be positive");
        if (Warmup < TimeSpan.Zero)
            throw new ArgumentException("--warmup must not be negative");
    }
}
