using Distillation.Redistillation;

namespace Distillation.Tests;

public sealed class ShiftAwareGateTests
{
    private static readonly ShiftAwareGate Gate = new(MaxBaseDrop: 0.002);

    private static VersionMetrics Metrics(double baseAccuracy, double shiftedAgreement) =>
        new(1, baseAccuracy, shiftedAgreement, HeldOutTeacherShare: 0.5, ValidationTeacherShare: 0.17, Temperature: 1.1, Threshold: 0.88);

    [Fact]
    public void Decide_WinsShiftedButLosesBaseAccuracy_Refused()
    {
        var live = Metrics(baseAccuracy: 0.9291, shiftedAgreement: 0.55);
        var candidate = Metrics(baseAccuracy: 0.9240, shiftedAgreement: 0.90);

        var decision = Gate.Decide(live, candidate);

        Assert.False(decision.Accepted);
        Assert.StartsWith("base test accuracy drops 0.51 pp", decision.Reasons[0], StringComparison.Ordinal);
        Assert.StartsWith("agreement with the teacher on held-out captured samples improves", decision.Reasons[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BetterOnBoth_Accepted()
    {
        var live = Metrics(baseAccuracy: 0.9291, shiftedAgreement: 0.55);
        var candidate = Metrics(baseAccuracy: 0.9293, shiftedAgreement: 0.5510);

        var decision = Gate.Decide(live, candidate);

        Assert.True(decision.Accepted, string.Join("; ", decision.Reasons));
        Assert.StartsWith("base test accuracy holds", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BaseDropWithinAllowanceAndShiftedBetter_Accepted()
    {
        var live = Metrics(baseAccuracy: 0.9291, shiftedAgreement: 0.55);
        var candidate = Metrics(baseAccuracy: 0.9271, shiftedAgreement: 0.80);

        Assert.True(Gate.Decide(live, candidate).Accepted);
    }

    [Fact]
    public void Decide_BetterBaseButNotBetterOnShifted_Refused()
    {
        var live = Metrics(baseAccuracy: 0.9291, shiftedAgreement: 0.80);
        var candidate = Metrics(baseAccuracy: 0.9350, shiftedAgreement: 0.80);

        var decision = Gate.Decide(live, candidate);

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
