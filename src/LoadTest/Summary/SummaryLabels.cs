namespace LoadTest.Summary;

/// <summary>Which configuration label plays which part in the targets.</summary>
/// <param name="TransportFloor">Concurrency-1 runs against <c>loadtest echo-server</c> (a service that does no work).</param>
public sealed record SummaryLabels(string Concurrency1, string Concurrency64, string Concurrency64Unbatched, string TransportFloor)
{
    public static readonly SummaryLabels Default = new("batching-c1", "batching-c64", "nobatching-c64", "echo-c1");
}
