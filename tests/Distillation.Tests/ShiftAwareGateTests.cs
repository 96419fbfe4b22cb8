using Distillation.Redistillation;

namespace Distillation.Tests;

public sealed class ShiftAwareGateTests
{
    private static readonly ShiftAwareGate Gate = new(MaxBaseDrop: 0.002);

    private static VersionMetrics Metrics(double baseAccuracy, double shiftedAgreement) =>
        new(1, baseAccuracy, shiftedAgreement, HeldOutTeacherShare: 0.5, ValidationTeacherShare: 0.17, Temperature: 1.1, Threshold: 0.88);

    /// <summary>The gate's decision on a candidate against the live version, each given as (base test accuracy, shifted agreement).</summary>
    private static GateDecision Decide((double Base, double Shifted) live, (double Base, double Shifted) candidate) =>
        Gate.Decide(Metrics(live.Base, live.Shifted), Metrics(candidate.Base, candidate.Shifted));

    [Fact]
    public void Decide_WinsShiftedButLosesBaseAccuracy_Refused()
    {
        var decision = Decide(live: (0.9291, 0.55), candidate: (0.9240, 0.90));

        Assert.False(decision.Accepted);
        Assert.StartsWith("base test accuracy drops 0.51 pp", decision.Reasons[0], StringComparison.Ordinal);
        Assert.StartsWith("agreement with the teacher on held-out captured samples improves", decision.Reasons[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BetterOnBoth_Accepted()
    {
        var decision = Decide(live: (0.9291, 0.55), candidate: (0.9293, 0.5510));

        Assert.True(decision.Accepted, string.Join("; ", decision.Reasons));
        Assert.StartsWith("base test accuracy holds", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BaseDropWithinAllowanceAndShiftedBetter_Accepted()
    {
        var decision = Decide(live: (0.9291, 0.55), candidate: (0.9271, 0.80));

        Assert.True(decision.Accepted);
    }

    [Fact]
    public void Decide_BetterBaseButNotBetterOnShifted_Refused()
    {
        var decision = Decide(live: (0.9291, 0.80), candidate: (0.9350, 0.80));

        Assert.False(decision.Accepted);
        Assert.StartsWith("agreement with the teacher on held-out captured samples does not improve", decision.Reasons[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ShiftedGainBelowRequiredMinimum_Refused()
    {
        var gate = Gate with { MinShiftGain = 0.01 };
        var live = Metrics(baseAccuracy: 0.9291, shiftedAgreement: 0.800);
        var candidate = Metrics(baseAccuracy: 0.9300, shiftedAgreement: 0.805);

        Assert.False(gate.Decide(live, candidate).Accepted);
        Assert.True(gate.Decide(live, candidate with { HeldOutAgreement = 0.811 }).Accepted);
    }
}
