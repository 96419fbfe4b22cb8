namespace EndToEnd.Tests.Support;

/// <summary>TorchSharp's global state (seed, threads) and the machine's cores: these tests run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
