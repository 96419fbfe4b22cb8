using Distillation.Cli;

namespace Distillation.Tests.Support;

/// <summary>
/// A scratch folder with a tiny generated IDX dataset in it, and the tool's command line run in process on it, as a
/// user runs it.
/// </summary>
internal sealed class ToolWorkspace : IDisposable
{
    private readonly TempDirectory dir = new();

    /// <summary>A workspace whose <see cref="Data"/> folder holds <paramref name="train"/> and <paramref name="test"/> generated images.</summary>
    public ToolWorkspace(int train, int test)
    {
        Data = dir.Combine("tiny-data");
        IdxFiles.WriteDataset(Data, SyntheticImages.Create(train, seed: 1), SyntheticImages.Create(test, seed: 2));
    }

    /// <summary>The dataset folder.</summary>
    public string Data { get; }

    public string Combine(params string[] parts) => dir.Combine(parts);

    /// <summary>Runs the tool with these arguments; returns its exit code.</summary>
    public static Task<int> Run(params string[] args) => DistillationCli.Create().Parse(args).InvokeAsync();

    public void Dispose() => dir.Dispose();
}
