namespace Distillation.Calibration;

/// <summary>
/// Quantiles of the standard normal distribution, for sample-size estimates (not for the thresholds themselves,
/// which come from the bootstrap). The CDF uses the Abramowitz-Stegun 7.1.26 erf approximation (error below
/// 1.5e-7), inverted by bisection: plenty for "how many images".
/// </summary>
public static class NormalQuantile
{
    public static double Of(double probability)
    {
        if (probability is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "a probability within (0, 1)");
        double low = -10, high = 10;
        for (var i = 0; i < 100 && high - low > 1e-10; i++)
        {
            var mid = (low + high) / 2;
            if (Cdf(mid) < probability)
                low = mid;
            else
                high = mid;
        }
        return (low + high) / 2;
    }

    public static double Cdf(double x)
    {
        var z = Math.Abs(x) / Math.Sqrt(2);
        var t = 1 / (1 + 0.3275911 * z);
        var poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        var erf = 1 - poly * Math.Exp(-z * z);
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }
}
