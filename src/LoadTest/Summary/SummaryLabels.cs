namespace LoadTest.Summary;

/// <summary>Which configuration label plays which part in the targets.</summary>
public sealed record SummaryLabels(string Concurrency1, string Concurrency64, string Concurrency64Unbatched)
{
    public static readonly SummaryLabels Default = new("batching-c1", "batching-c64", "nobatching-c64");
}
