namespace Distillation.Redistillation;

/// <summary>The gate's verdict on a candidate, with one reason per criterion.</summary>
public sealed record GateDecision(bool Accepted, IReadOnlyList<string> Reasons);

/// <summary>
/// Decides whether a redistilled candidate replaces the live student. Redistillation runs because traffic drifted,
/// so a candidate is judged on two distributions at once and must pass on both:
/// <list type="bullet">
/// <item>the base distribution (labelled base images): its accuracy may drop by at most <see cref="MaxBaseDrop"/>;
/// winning the shifted traffic does not buy the right to forget what the student already served well;</item>
/// <item>the shifted distribution (held-out captured traffic, which the teacher labelled): its agreement with the
/// teacher must rise by at least <see cref="MinShiftGain"/> (and by more than nothing), since that is the traffic
/// the student failed on and the reason the run exists.</item>
/// </list>
/// A candidate better on both is accepted whatever the size of the gains; one that trades one for the other is not.
/// </summary>
public sealed record ShiftAwareGate(double MaxBaseDrop, double MinShiftGain = 0)
{
    public GateDecision Decide(VersionMetrics live, VersionMetrics candidate)
    {
        var reasons = new List<string>();
        var drop = live.BaseTestAccuracy - candidate.BaseTestAccuracy;
        // The tolerance absorbs floating-point noise in accuracies computed as counts over the same images.
        var baseHolds = drop <= MaxBaseDrop + 1e-12;
        reasons.Add(baseHolds
            ? $"base test accuracy holds: {candidate.BaseTestAccuracy:P2} vs {live.BaseTestAccuracy:P2} (allowed drop {MaxBaseDrop * 100:0.##} pp)"
            : $"base test accuracy drops {drop * 100:F2} pp ({live.BaseTestAccuracy:P2} -> {candidate.BaseTestAccuracy:P2}), more than the allowed {MaxBaseDrop * 100:0.##} pp");

        var gain = candidate.HeldOutAgreement - live.HeldOutAgreement;
        var shiftImproves = gain > 0 && gain >= MinShiftGain - 1e-12;
        reasons.Add(shiftImproves
            ? $"agreement with the teacher on held-out captured samples improves: {live.HeldOutAgreement:P2} -> {candidate.HeldOutAgreement:P2}"
            : $"agreement with the teacher on held-out captured samples does not improve enough: {live.HeldOutAgreement:P2} -> {candidate.HeldOutAgreement:P2} (at least +{MinShiftGain * 100:0.##} pp needed)");
        return new GateDecision(baseHolds && shiftImproves, reasons);
    }
}
