namespace Distillation.Training;

/// <summary>
/// Linear warm-up then cosine decay to zero, as a pure function of the step, so a resumed run needs no scheduler
/// state beyond the epoch it restarts from.
/// </summary>
public sealed record LearningRateSchedule(double BaseRate, long TotalSteps, long WarmupSteps)
{
    public double At(long step)
    {
        if (step < WarmupSteps)
            return BaseRate * (step + 1) / WarmupSteps;
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return BaseRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
