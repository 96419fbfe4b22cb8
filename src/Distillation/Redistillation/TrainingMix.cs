namespace Distillation.Redistillation;

/// <summary>
/// What a redistilled candidate trains on: every captured training sample (the shifted traffic, with the teachers'
/// soft labels) and a seeded replay of base training images, <see cref="ReplayRatio"/> per captured sample. The
/// replay is drawn from the base fit split only (never validation or test: those judge the candidate), and is there
/// so the student keeps the base distribution while it learns the shifted one; at the default ratio of 1, half of
/// every epoch is shifted traffic and half base data (the reasoning in docs/redistillation.md, "Mixing").
/// </summary>
public sealed record TrainingMix(ImageDataset Training, int Captured, int Replayed)
{
    public double CapturedShare => Training.Count == 0 ? 0 : (double)Captured / Training.Count;

    public static TrainingMix Build(ImageDataset captured, ImageDataset baseFit, double replayRatio, int seed)
    {
        if (replayRatio < 0 || !double.IsFinite(replayRatio))
            throw new ArgumentOutOfRangeException(nameof(replayRatio), replayRatio, "the replay ratio must be a finite number >= 0");
        var replayCount = (int)Math.Min(baseFit.Count, Math.Round(captured.Count * replayRatio));
        var order = Enumerable.Range(0, baseFit.Count).ToArray();
        new Random(seed).Shuffle(order);
        var training = replayCount == 0 ? captured : captured.Concat(baseFit.Subset(order[..replayCount]));
        return new TrainingMix(training, captured.Count, replayCount);
    }
}
