using System.Globalization;

namespace InferenceService.Tests.Reliability;

/// <summary>Just enough of the Prometheus text format to read a counter: <c>name{label="value",...} number</c>.</summary>
internal static class PrometheusText
{
    public static double Sum(string text, string metric, params (string Name, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal))
                continue;
            var rest = line.AsSpan(metric.Length);
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
                continue; // a longer name with this prefix
            var close = rest[0] == '{' ? rest.IndexOf('}') : -1;
            var labelText = close > 0 ? rest[1..close].ToString() : "";
            if (!labels.All(l => labelText.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
                continue;
            // "<value>" or "<value> <timestamp>"
            var value = rest[(close + 1)..].Trim().ToString().Split(' ')[0];
            sum += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
