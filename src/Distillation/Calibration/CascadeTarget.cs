using Distillation.Evaluation;

namespace Distillation.Calibration;

/// <summary>
/// What the cascade threshold must achieve: cascade accuracy within <see cref="MaxAccuracyGap"/> of the teacher's
/// (as a fraction: 0.001 = 0.1 pp), and/or at most <see cref="MaxTeacherShare"/> of inputs sent to the teacher.
/// </summary>
public sealed record CascadeTarget(double? MaxAccuracyGap, double? MaxTeacherShare)
{
    public void Validate()
    {
        if (MaxAccuracyGap is null && MaxTeacherShare is null)
            throw new ArgumentException("state a cascade target: an accuracy gap to the teacher, a maximum teacher share, or both");
        if (MaxAccuracyGap is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(MaxAccuracyGap), MaxAccuracyGap, "the accuracy gap must be within [0, 1] (a fraction)");
        if (MaxTeacherShare is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTeacherShare), MaxTeacherShare, "the teacher share must be within [0, 1]");
    }

    public string Describe() => (MaxAccuracyGap, MaxTeacherShare) switch
    {
        ({ } gap, { } share) => $"accuracy within {gap * 100:0.###} pp of the teacher with at most {share:P1} to the teacher",
        ({ } gap, null) => $"accuracy within {gap * 100:0.###} pp of the teacher",
        (null, { } share) => $"best accuracy with at most {share:P1} to the teacher",
        _ => "none",
    };

    /// <summary>
    /// The point-estimate rule (every number on the calibration images taken as exact). Kept to show what it would
    /// pick; <see cref="Select(IReadOnlyList{BoundedPoint})"/> decides. Picks the operating point: with a gap, the one sending the fewest inputs to the teacher that keeps the gap
    /// (within the share cap if one is set); with only a share cap, the most accurate point under it.
    /// Returns null when no point meets the target.
    /// </summary>
    public CascadePoint? Select(CascadeCurve curve)
    {
        Validate();
        var points = curve.Points();
        var allowed = MaxTeacherShare is { } cap ? points.Where(p => p.TeacherShare <= cap + 1e-12).ToList() : points.ToList();
        if (MaxAccuracyGap is { } gap)
        {
            var floor = curve.TeacherAccuracy - gap;
            return allowed.Where(p => p.Accuracy >= floor - 1e-12).OrderBy(p => p.TeacherShare).FirstOrDefault();
        }
        return allowed.OrderByDescending(p => p.Accuracy).ThenBy(p => p.TeacherShare).FirstOrDefault();
    }

    /// <summary>
    /// The same rule on the bootstrap's bounds: the target must hold with the bootstrap's confidence, not only on the
    /// calibration images (with only a share cap: the smallest gap bound under it). Returns null when no point's
    /// bounds meet it.
    /// </summary>
    public BoundedPoint? Select(IReadOnlyList<BoundedPoint> points)
    {
        Validate();
        var allowed = points.Where(p => WithinShare(p) && WithinGap(p)).ToList();
        return MaxAccuracyGap is not null
            ? allowed.OrderBy(p => p.TeacherShare).FirstOrDefault()
            : allowed.OrderBy(p => p.GapBound).ThenBy(p => p.TeacherShare).FirstOrDefault();
    }

    /// <summary>
    /// What the share cap allows at best: of the points whose share bound keeps the cap, the one with the smallest gap
    /// bound (the most accurate point estimate would again favour a lucky point).
    /// </summary>
    public BoundedPoint? BestUnderShare(IReadOnlyList<BoundedPoint> points) => MaxTeacherShare is null
        ? null
        : points.Where(WithinShare).OrderBy(p => p.GapBound).ThenBy(p => p.TeacherShare).FirstOrDefault();

    /// <summary>What the gap needs: the point sending the fewest inputs to the teacher whose gap bound keeps the gap.</summary>
    public BoundedPoint? ShareForGap(IReadOnlyList<BoundedPoint> points) => MaxAccuracyGap is null
        ? null
        : points.Where(WithinGap).OrderBy(p => p.TeacherShare).FirstOrDefault();

    private bool WithinShare(BoundedPoint p) => MaxTeacherShare is not { } cap || p.ShareBound <= cap + 1e-12;

    private bool WithinGap(BoundedPoint p) => MaxAccuracyGap is not { } gap || p.GapBound <= gap + 1e-12;
}
