using System.Text.RegularExpressions;
using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>Alert rules and the dashboard query only metrics the service exports, under their Prometheus names.</summary>
public sealed partial class ObservabilityTests
{
    [Fact]
    public void Queries_AlertRulesAndDashboard_UseExportedMetricNames()
    {
        var exported = ExportedMetricNames();
        Assert.Contains("serving_request_duration_seconds_bucket", exported);
        Assert.Contains("serving_agreement_total", exported);
        Assert.Contains("serving_capture_dropped_total", exported); // an observable counter whose callback spans lines
        Assert.Contains("serving_queue_delay_seconds_count", exported);
        foreach (var file in new[] { "prometheus-rules.yaml", "inference-service-dashboard.json" })
        {
            var text = File.ReadAllText(Path.Combine(RepositoryPaths.Observability, file));
            var used = MetricReference().Matches(text).Select(m => m.Value).Distinct().ToList();
            Assert.NotEmpty(used);
            foreach (var name in used)
                Assert.True(exported.Contains(name), $"{file} queries {name}, which the service does not export");
        }
    }

    [Fact]
    public void Dashboard_Panels_CoverTheIssuesSignals()
    {
        var json = File.ReadAllText(Path.Combine(RepositoryPaths.Observability, "inference-service-dashboard.json"));
        using var dashboard = System.Text.Json.JsonDocument.Parse(json);
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.Contains(queries, q => q.Contains("histogram_quantile(0.99", StringComparison.Ordinal) && q.Contains("by (served_by, le)", StringComparison.Ordinal));
        foreach (var metric in new[] { "serving_fallbacks_total", "serving_agreement_total", "serving_degraded_total", "serving_batch_size", "serving_capture_dropped_total" })
            Assert.Contains(queries, q => q.Contains(metric, StringComparison.Ordinal));
        // Drift: the teacher share against itself a week earlier, the live student version, swaps and rejected versions.
        Assert.Contains(queries, q => q.Contains("serving_fallbacks_total", StringComparison.Ordinal) && q.Contains("offset 7d", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("serving_model_live", StringComparison.Ordinal) && q.Contains("role=\"student\"", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("serving_model_reloads_total", StringComparison.Ordinal));
    }

    [Fact]
    public void AlertRules_Drift_TeacherShareAgainstLastWeekAndStaleStudent()
    {
        var rules = File.ReadAllText(Path.Combine(RepositoryPaths.Observability, "prometheus-rules.yaml"));

        Assert.Contains("record: serving:teacher_share:rate1h", rules, StringComparison.Ordinal);
        Assert.Contains("alert: ServingTeacherShareDrift", rules, StringComparison.Ordinal);
        Assert.Contains("serving:teacher_share:rate1h offset 7d", rules, StringComparison.Ordinal);
        Assert.Contains("alert: ServingDriftNotRedistilled", rules, StringComparison.Ordinal);
        Assert.Contains("serving_model_reloads_total{role=\"student\",outcome=\"swapped\"}", rules, StringComparison.Ordinal);
    }

    /// <summary>
    /// The instruments declared in the service's sources, named as OpenTelemetry's Prometheus exporter renders them:
    /// dots become underscores, the unit "s" adds _seconds ({annotations} add nothing), counters end in _total,
    /// gauges keep their name and histograms become _bucket, _sum and _count series.
    /// </summary>
    private static HashSet<string> ExportedMetricNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Service, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                continue;
            var source = File.ReadAllText(file);
            foreach (Match instrument in Instrument().Matches(source))
            {
                var unit = UnitArgument(source, instrument.Index + instrument.Length);
                var name = instrument.Groups["name"].Value.Replace('.', '_') + (unit == "s" ? "_seconds" : "");
                if (instrument.Groups["kind"].Value == "Histogram")
                    names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                else if (instrument.Groups["kind"].Value == "ObservableGauge")
                    names.Add(name);
                else
                    names.Add(name + "_total");
            }
        }
        return names;
    }

    /// <summary>
    /// The unit: the first argument after the name that is a plain string literal, so an observable instrument's
    /// callback is skipped whatever it spans (several lines, commas and strings of its own).
    /// </summary>
    private static string? UnitArgument(string source, int start)
    {
        var depth = 0;
        var argument = new System.Text.StringBuilder();
        for (var i = start; i < source.Length; i++)
        {
            var c = source[i];
            if (c is '"' or '\'')
            {
                var end = i + 1;
                while (end < source.Length && source[end] != c)
                    end += source[end] == '\\' ? 2 : 1;
                end = Math.Min(end, source.Length - 1);
                argument.Append(source, i, end - i + 1);
                i = end;
                continue;
            }
            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                if (depth-- == 0)
                    return StringLiteral(argument.ToString()); // the call's closing parenthesis
            }
            else if (c == ',' && depth == 0)
            {
                if (StringLiteral(argument.ToString()) is { } unit)
                    return unit;
                argument.Clear();
                continue;
            }
            argument.Append(c);
        }
        return null;
    }

    private static string? StringLiteral(string argument) =>
        PlainString().Match(argument.Trim()) is { Success: true } literal ? literal.Groups[1].Value : null;

    [GeneratedRegex(@"Create(?<kind>Histogram|Counter|ObservableCounter|ObservableGauge)(<\w+>)?\(\s*""(?<name>[a-z_.]+)""")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"^""([^""\\]*)""$")]
    private static partial Regex PlainString();

    [GeneratedRegex(@"\bserving_[a-z_]+")]
    private static partial Regex MetricReference();
}
