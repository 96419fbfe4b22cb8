using System.Globalization;

namespace Serving.Contracts.Metrics;

/// <summary>
/// Reads values out of a Prometheus text exposition (what the service's <c>/metrics</c> answers): the load generator
/// reads the service's counters with it, and the tests read a service process's.
/// </summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of every series of <paramref name="name"/> (all label sets, e.g. requests by route), restricted to the
    /// series carrying every one of <paramref name="labels"/> when given (e.g. <c>("gc_heap_generation", "gen0")</c>).
    /// Timestamps after the value are ignored; zero when the metric is absent.
    /// </summary>
    public static double Sum(string exposition, string name, params (string Name, string Value)[] labels)
    {
        var wanted = labels.Select(l => $"{l.Name}=\"{l.Value}\"").ToArray();
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
                if (!CarriesAll(rest[..close], wanted))
                    continue;
                values = rest[(close + 1)..];
            }
            else if (!rest.IsEmpty && rest[0] == ' ' && wanted.Length == 0)
            {
                values = rest;
            }
            else
            {
                continue; // another metric whose name starts with this one, or no labels to match
            }
            values = values.TrimStart();
            var end = values.IndexOf(' ');
            var number = end < 0 ? values : values[..end];
            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                sum += value;
        }
        return sum;
    }

    /// <summary>
    /// The value of label <paramref name="labelName"/> on the first series of <paramref name="name"/> that carries
    /// every one of <paramref name="labels"/> (e.g. the <c>version</c> of <c>serving_model_live</c> with
    /// <c>("role", "student")</c>), or null.
    /// </summary>
    public static string? LabelValue(string exposition, string name, string labelName, params (string Name, string Value)[] labels)
    {
        var wanted = labels.Select(l => $"{l.Name}=\"{l.Value}\"").ToArray();
        var key = labelName + "=\"";
        foreach (var raw in exposition.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] != '{')
                continue;
            var labelText = line[(name.Length + 1)..];
            var close = labelText.LastIndexOf('}');
            if (close < 0 || !CarriesAll(labelText[..close], wanted))
                continue;
            labelText = labelText[..close];
            // The label at a boundary, so "version" does not match inside "teacher_version".
            var at = labelText.IndexOf(key, StringComparison.Ordinal);
            while (at > 0 && labelText[at - 1] != ',')
            {
                var next = labelText[(at + 1)..].IndexOf(key, StringComparison.Ordinal);
                at = next < 0 ? -1 : at + 1 + next;
            }
            if (at < 0)
                continue;
            var value = labelText[(at + key.Length)..];
            var end = value.IndexOf('"');
            return end < 0 ? null : value[..end].ToString();
        }
        return null;
    }

    private static bool CarriesAll(ReadOnlySpan<char> labelText, string[] labels)
    {
        foreach (var label in labels)
        {
            if (!labelText.Contains(label, StringComparison.Ordinal))
                return false;
        }
        return true;
    }
}
