namespace Distillation.Training;

/// <summary>The files of one training run.</summary>
public sealed record RunFolder(string Root)
{
    public string Manifest => Path.Combine(Root, "run.json");
    public string State => Path.Combine(Root, "state.json");
    public string LastWeights => Path.Combine(Root, "last.pt");
    public string LastOptimizer => Path.Combine(Root, "last.optim.pt");
    public string BestWeights => Path.Combine(Root, "best.pt");
    public string History => Path.Combine(Root, "history.csv");

    public string EpochWeights(int epoch) => Path.Combine(Root, $"epoch-{epoch:D3}.pt");

    public bool HasState => File.Exists(State) && File.Exists(LastWeights) && File.Exists(Manifest);
}
