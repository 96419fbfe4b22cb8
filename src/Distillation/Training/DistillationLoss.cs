namespace Distillation.Training;

/// <summary>
/// Hinton et al.'s knowledge-distillation loss:
/// α·T²·KL(p_t ‖ softmax(s/T)) + (1 − α)·CE(s, y), where p_t are the teachers' softened probabilities.
/// The KL term is summed over classes and averaged over the batch ("batchmean"): TorchSharp's kl_div has no such
/// reduction (its mean divides by N·K), so it is written out. T² keeps the soft-target gradients on the same scale
/// as the hard-label ones when T changes.
/// </summary>
public sealed record DistillationLoss(double Alpha = 0.9, double Temperature = 4.0, double LabelSmoothing = 0)
{
    public void Validate()
    {
        if (Alpha is < 0 or > 1 || double.IsNaN(Alpha))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "alpha must be within [0, 1]");
        if (!(Temperature > 0))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "the temperature must be positive");
    }

    /// <summary>Returns the scalar loss; <paramref name="teacherProbabilities"/> may be null only when α = 0.</summary>
    public Tensor Compute(Tensor studentLogits, Tensor? teacherProbabilities, Tensor labels)
    {
        var crossEntropy = nn.functional.cross_entropy(studentLogits, labels, label_smoothing: LabelSmoothing);
        if (Alpha == 0)
            return crossEntropy;
        if (teacherProbabilities is null)
            throw new ArgumentNullException(nameof(teacherProbabilities), "distillation with alpha > 0 needs teacher probabilities");

        using var scope = NewDisposeScope();
        var kl = KlDivergenceBatchMean(teacherProbabilities, studentLogits, Temperature);
        var loss = kl * (Alpha * Temperature * Temperature) + crossEntropy * (1 - Alpha);
        crossEntropy.Dispose();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>KL(p ‖ softmax(logits / T)) summed over classes, averaged over the batch.</summary>
    public static Tensor KlDivergenceBatchMean(Tensor targetProbabilities, Tensor logits, double temperature)
    {
        using var scope = NewDisposeScope();
        var logQ = nn.functional.log_softmax(logits / temperature, 1);
        // 0 · log 0 = 0: clamping only the log argument keeps zero-probability classes out of the sum.
        var logP = targetProbabilities.clamp_min(1e-12).log();
        var perSample = (targetProbabilities * (logP - logQ)).sum(1);
        return perSample.mean().MoveToOuterDisposeScope();
    }
}
