namespace LoadTest.Tests;

/// <summary>
/// Tests that hold the load generator to a send schedule run alone in this process: another test class starting
/// servers and ONNX Runtime sessions beside them on two cores makes calls late, and a late call rightly counts its
/// lateness as latency.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScheduleCollection
{
    public const string Name = "send schedule";
}
