namespace LoadTest.Summary;

public static class Median
{
    /// <summary>The middle value (the mean of the two middle ones for an even count); NaN when there are none.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The median of the values that are present; null when none is.</summary>
    public static double? OfPresent(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : Of(present);
    }
}
