using System.Globalization;

namespace LoadTest.Service;

/// <summary>Reads values out of a Prometheus text exposition (what the service's <c>/metrics</c> answers).</summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of every series of <paramref name="name"/> (all label sets, e.g. requests by route), restricted to series
    /// carrying <paramref name="label"/> when given (written as in the exposition: <c>gc_heap_generation="gen0"</c>).
    /// Zero when the metric is absent.
    /// </summary>
    public static double Sum(string exposition, string name, string? label = null)
    {
        double sum = 0;
        foreach (var raw in exposition.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
                continue;
            var rest = line[name.Length..];
            ReadOnlySpan<char> values;
            if (!rest.IsEmpty && rest[0] == '{')
            {
                // Label values may hold spaces; the value starts after the closing brace.
                var close = rest.LastIndexOf('}');
                if (close < 0)
                    continue;
                if (label is not null && !rest[..close].Contains(label, StringComparison.Ordinal))
                    continue;
                values = rest[(close + 1)..];
            }
            else if (!rest.IsEmpty && rest[0] == ' ' && label is null)
            {
                values = rest;
            }
            else
            {
                continue; // another metric whose name starts with this one, or no label to match
            }
            values = values.TrimStart();
            var end = values.IndexOf(' ');
            var number = end < 0 ? values : values[..end];
            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                sum += value;
        }
        return sum;
    }
}
