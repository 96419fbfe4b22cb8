using System.CommandLine.Parsing;
using System.Globalization;

namespace LoadTest.Cli;

/// <summary>Parses durations such as <c>30s</c>, <c>2m</c>, <c>500ms</c> or a plain number of seconds.</summary>
internal static class DurationParser
{
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value.Trim().ToLowerInvariant();
        if (TryParse(text, out var value))
            return value;
        result.AddError($"'{text}' is not a duration (examples: 30s, 2m, 500ms)");
        return TimeSpan.Zero;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                value = TimeSpan.FromSeconds(n * seconds);
                return true;
            }
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) && plain >= 0)
        {
            value = TimeSpan.FromSeconds(plain);
            return true;
        }
        value = TimeSpan.Zero;
        return false;
    }
}
