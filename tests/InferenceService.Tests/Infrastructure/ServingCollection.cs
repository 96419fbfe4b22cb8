namespace InferenceService.Tests.Infrastructure;

/// <summary>Tests that start the service share ONNX Runtime's native state and the machine's two cores: run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServingCollection
{
    public const string Name = "Service";
}
