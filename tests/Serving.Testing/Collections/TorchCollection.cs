namespace Serving.Testing;

/// <summary>
/// Tests that use TorchSharp's global state (seed, thread count) or heavy native work run one at a time: parallel
/// runs would fight over two cores and make seeded results depend on scheduling. (Attributes only: no TorchSharp here.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
