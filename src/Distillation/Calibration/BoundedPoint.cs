using Distillation.Evaluation;

namespace Distillation.Calibration;

/// <summary>A two-sided interval, as fractions (0.01 = 1 pp).</summary>
public sealed record Interval(double Low, double High);

/// <summary>
/// A cascade operating point with how sure the calibration data can be of it: the gap to the teacher
/// (teacher accuracy minus cascade accuracy) and the teacher share, each with a central interval and the one-sided
/// upper bound the threshold is chosen by, both at the bootstrap's confidence.
/// </summary>
public sealed record BoundedPoint(CascadePoint Point, double Gap, Interval GapInterval, double GapBound, Interval ShareInterval, double ShareBound)
{
    public double Threshold => Point.Threshold;
    public double TeacherShare => Point.TeacherShare;
    public double Accuracy => Point.Accuracy;
}
