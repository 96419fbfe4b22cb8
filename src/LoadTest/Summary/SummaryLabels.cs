namespace LoadTest.Summary;

/// <summary>Which configuration label plays which part in the targets.</summary>
/// <param name="TransportFloor">Concurrency-1 runs against <c>loadtest echo-server</c> (a service that does no work).</param>
/// <param name="ModelFloor">
/// Concurrency-1 runs against <c>loadtest echo-server --model</c> with the student (a service that runs the model and
/// nothing else).
/// </param>
/// <param name="Concurrency1OneThread">Concurrency-1 runs with every run on one intra-op thread (no lone-request session).</param>
/// <param name="TeacherModelFloor">
/// Concurrency-1 runs against <c>loadtest echo-server --model</c> with the teacher: what a teacher run costs inside a
/// served call on this stack, the cascade's floor.
/// </param>
public sealed record SummaryLabels(string Concurrency1, string Concurrency64, string Concurrency64Unbatched, string TransportFloor,
    string ModelFloor, string Concurrency1OneThread, string TeacherModelFloor)
{
    public static readonly SummaryLabels Default =
        new("batching-c1", "batching-c64", "nobatching-c64", "echo-c1", "bare-c1", "onethread-c1", "bare-teacher-c1");
}
