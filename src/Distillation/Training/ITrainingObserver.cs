namespace Distillation.Training;

/// <summary>Receives training progress (the console shows it; tests ignore it).</summary>
public interface ITrainingObserver
{
    void RunStarted(int firstEpoch, int epochs, int batchesPerEpoch);
    void BatchCompleted(int epoch, int batch, double loss);
    void EpochCompleted(EpochResult result, bool isBest);
}

public sealed class SilentObserver : ITrainingObserver
{
    public static readonly SilentObserver Instance = new();

    public void RunStarted(int firstEpoch, int epochs, int batchesPerEpoch)
    {
    }

    public void BatchCompleted(int epoch, int batch, double loss)
    {
    }

    public void EpochCompleted(EpochResult result, bool isBest)
    {
    }
}
