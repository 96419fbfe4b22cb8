using Distillation.Calibration;
using Distillation.Training;

namespace Distillation.Redistillation;

/// <summary>Everything <c>redistill</c> needs to know.</summary>
public sealed record RedistillationOptions
{
    public required string SamplesDirectory { get; init; }
    public required DatasetOptions BaseData { get; init; }
    public required IReadOnlyList<string> Teachers { get; init; }
    public required string Repository { get; init; }
    public required string Name { get; init; }
    public required TrainingOptions Training { get; init; }
    public required CascadeTarget CalibrationTarget { get; init; }

    /// <summary>
    /// What the candidate's calibration keeps when it cannot certify the target (usual on a few thousand validation
    /// images): the gap (more to the teacher), the share cap, or nothing, and then the live student's threshold stays.
    /// </summary>
    public TargetPreference Prefer { get; init; } = TargetPreference.Gap;

    /// <summary>Base training images replayed per captured training sample, so old classes are not forgotten.</summary>
    public double ReplayRatio { get; init; } = 1.0;

    /// <summary>Start from fresh weights instead of the live student's.</summary>
    public bool FromScratch { get; init; }

    /// <summary>Below this many usable captured samples the run refuses: too little signal to learn from.</summary>
    public int MinSamples { get; init; } = 100;

    public double HeldOutFraction { get; init; } = 0.2;

    /// <summary>Largest tolerated drop of base test accuracy (a fraction: 0.002 = 0.2 pp).</summary>
    public double MaxAccuracyDrop { get; init; } = 0.002;

    /// <summary>Smallest rise of agreement with the teacher on held-out captured samples that counts (a fraction).</summary>
    public double MinShiftGain { get; init; }

    public double Alpha { get; init; } = 0.9;
    public double Temperature { get; init; } = 4.0;

    /// <summary>Scratch folder for the training run (a temporary one when null).</summary>
    public string? WorkDirectory { get; init; }
}

/// <summary>The run would not produce a meaningful new version (too few samples, already done); nothing was written.</summary>
public sealed class RedistillationRefusedException(string message) : Exception(message);
