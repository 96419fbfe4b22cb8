using Distillation.Calibration;

namespace Distillation.Evaluation;

/// <summary>
/// The cascade on the evaluated split held against what <c>calibrate</c> promised: a miss is a gap or teacher share
/// beyond the promised interval's upper end (doing better than promised is no miss). The split's own standard
/// error is reported beside it, because the evaluated split is a sample too.
/// </summary>
public sealed record PromiseCheck(double Confidence, double[] PromisedGapPpInterval, double GapPp, double GapStandardErrorPp,
    double[] PromisedShareInterval, double TeacherShare, double ShareStandardError, bool GapMiss, bool ShareMiss, bool TargetHeld, string Target)
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
        var gapMiss = gapPp > promise.GapPpInterval[1] + 1e-9;
        var shareMiss = share > promise.TeacherShareInterval[1] + 1e-12;
        var held = (promise.MaxGapPp is not { } maxGap || gapPp <= maxGap + 1e-9) && (promise.MaxTeacherShare is not { } cap || share <= cap + 1e-12);
        return new PromiseCheck(promise.Confidence, promise.GapPpInterval, Math.Round(gapPp, 4), Math.Round(sd / Math.Sqrt(n) * 100, 4),
            promise.TeacherShareInterval, Math.Round(share, 6), Math.Round(Math.Sqrt(share * (1 - share) / n), 6), gapMiss, shareMiss, held, promise.Target);
    }

    public string Describe() =>
        $"gap to teacher {GapPp:F2} pp (standard error {GapStandardErrorPp:F2}) vs promised [{PromisedGapPpInterval[0]:F2}, {PromisedGapPpInterval[1]:F2}] pp; " +
        $"teacher share {TeacherShare:P2} vs promised [{PromisedShareInterval[0]:P2}, {PromisedShareInterval[1]:P2}] ({Confidence:P0} intervals); " +
        $"target ({Target}) {(TargetHeld ? "held" : "not held")} here" +
        (GapMiss ? $"; MISS: gap {GapPp - PromisedGapPpInterval[1]:F2} pp beyond the interval" : "") +
        (ShareMiss ? $"; MISS: share {(TeacherShare - PromisedShareInterval[1]) * 100:F2} pp beyond the interval" : "");
}
