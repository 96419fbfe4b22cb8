namespace Distillation.Training;

/// <summary>One line of a run's history.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss,
    double ValidationAccuracy, double LearningRate, double Seconds);
