using Distillation.Calibration;

namespace Distillation.Evaluation;

/// <summary>
/// The cascade on the evaluated split held against what <c>calibrate</c> promised ("gap at most G pp, share at most S,
/// with this confidence"). The evaluated split is a sample too, so a miss is a gap or share whose own one-sided
/// interval (z standard errors at the same confidence) lies wholly above the promised bound: the miss is larger than
/// both intervals together. Doing better than promised is no miss.
/// </summary>
public sealed record PromiseCheck(double Confidence, double PromisedGapPpBound, double GapPp, double GapStandardErrorPp,
    double PromisedShareBound, double TeacherShare, double ShareStandardError, bool GapMiss, bool ShareMiss, bool TargetHeld, string Target)
{
    public bool Missed => GapMiss || ShareMiss;

    public static PromiseCheck Compare(CalibrationPromise promise, CascadeCurve curve, double threshold)
    {
        var n = Math.Max(1, curve.Count);
        var kept = new List<int>(curve.Count);
        var toTeacher = 0;
        for (var i = 0; i < curve.Count; i++)
        {
            if (curve.Confidence[i] < threshold)
            {
                toTeacher++;
                kept.Add(0);
            }
            else
            {
                kept.Add((curve.TeacherCorrect[i] ? 1 : 0) - (curve.StudentCorrect[i] ? 1 : 0));
            }
        }
        var gap = kept.Sum() / (double)n;
        var share = toTeacher / (double)n;
        var mean = kept.Count == 0 ? 0 : kept.Average();
        var sd = Math.Sqrt(kept.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, n - 1));
        var gapPp = gap * 100;
        var z = Calibration.NormalQuantile.Of(promise.Confidence);
        var gapSe = sd / Math.Sqrt(n);
        var shareSe = Math.Sqrt(share * (1 - share) / n);
        var gapMiss = gap - z * gapSe > promise.GapPpBound / 100 + 1e-9;
        var shareMiss = share - z * shareSe > promise.TeacherShareBound + 1e-12;
        var held = (promise.MaxGapPp is not { } maxGap || gapPp <= maxGap + 1e-9) && (promise.MaxTeacherShare is not { } cap || share <= cap + 1e-12);
        return new PromiseCheck(promise.Confidence, promise.GapPpBound, Math.Round(gapPp, 4), Math.Round(gapSe * 100, 4),
            promise.TeacherShareBound, Math.Round(share, 6), Math.Round(shareSe, 6), gapMiss, shareMiss, held, promise.Target);
    }

    public string Describe() =>
        $"gap to teacher {GapPp:F2} pp (standard error {GapStandardErrorPp:F2}) vs promised <= {PromisedGapPpBound:F2} pp; " +
        $"teacher share {TeacherShare:P2} (standard error {ShareStandardError * 100:F2} pp) vs promised <= {PromisedShareBound:P2} (at {Confidence:P0}); " +
        $"target ({Target}) {(TargetHeld ? "held" : "not held")} here" +
        (GapMiss ? $"; MISS: gap {GapPp - PromisedGapPpBound:F2} pp above the bound, more than this split's own interval" : "") +
        (ShareMiss ? $"; MISS: share {(TeacherShare - PromisedShareBound) * 100:F2} pp above the bound, more than this split's own interval" : "");
}
