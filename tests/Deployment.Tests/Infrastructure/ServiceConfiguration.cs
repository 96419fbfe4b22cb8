using System.Text.Json;
using System.Text.RegularExpressions;

namespace Deployment.Tests.Infrastructure;

/// <summary>
/// The configuration keys the inference service reads, from its appsettings.json and its options classes
/// (<c>SectionName</c> plus settable properties, in <c>Configuration/</c> and <c>Authentication/</c>), read as text so
/// the deployment tests need no build of the service.
/// </summary>
public sealed partial class ServiceConfiguration
{
    private readonly HashSet<string> keys = new(StringComparer.OrdinalIgnoreCase);
    // Dictionary-valued settings (e.g. ModelRepository:Thresholds:<model>) take any child key.
    private readonly HashSet<string> openSections = new(StringComparer.OrdinalIgnoreCase);
    // List-valued settings (e.g. Authentication:ApiKeys) take an index, Authentication:ApiKeys:0 (Authentication__ApiKeys__0
    // in the environment), and nothing else: the binder ignores a plain value on the list's own key.
    private readonly HashSet<string> indexedSections = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The folders of the service whose options classes (<c>const string SectionName</c>) name settings.</summary>
    private static readonly string[] OptionsFolders = ["Configuration", "Authentication"];

    private ServiceConfiguration(string serviceDirectory)
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(serviceDirectory, "appsettings.json")));
        Settings = settings.RootElement.Clone();
        Flatten(Settings, "");
        foreach (var file in OptionsFolders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(serviceDirectory, folder), "*.cs")))
        {
            var source = File.ReadAllText(file);
            if (SectionName().Match(source) is not { Success: true } section)
                continue;
            foreach (Match property in SettableProperty().Matches(source))
            {
                var key = $"{section.Groups[1].Value}:{property.Groups[2].Value}";
                var type = property.Groups[1].Value;
                if (type.StartsWith("Dictionary<", StringComparison.Ordinal))
                {
                    keys.Add(key);
                    openSections.Add(key);
                }
                else if (ListType().IsMatch(type))
                {
                    indexedSections.Add(key);
                }
                else
                {
                    keys.Add(key);
                }
            }
        }
    }

    public static ServiceConfiguration Instance { get; } = new(RepositoryPaths.Service);

    public JsonElement Settings { get; }

    /// <summary>Whether <paramref name="key"/> (colon-separated) is a setting the service reads.</summary>
    public bool Knows(string key) =>
        keys.Contains(key)
        || openSections.Any(open => key.StartsWith(open + ":", StringComparison.OrdinalIgnoreCase))
        || (ListIndex().Match(key) is { Success: true } item && indexedSections.Contains(item.Groups[1].Value));

    /// <summary>The port of a Kestrel endpoint: from the environment given (Section__Key) if it sets it, else appsettings.json.</summary>
    public int EndpointPort(string endpoint, IReadOnlyDictionary<string, string?> environment)
    {
        var url = environment.TryGetValue($"Kestrel__Endpoints__{endpoint}__Url", out var value) && value is not null
            ? value
            : Settings.GetProperty("Kestrel").GetProperty("Endpoints").GetProperty(endpoint).GetProperty("Url").GetString()!;
        return PortOf(url);
    }

    public static int PortOf(string url)
    {
        var match = UrlPort().Match(url);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw new FormatException($"no port in '{url}'");
    }

    private void Flatten(JsonElement element, string prefix)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            indexedSections.Add(prefix);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            keys.Add(prefix);
            return;
        }
        if (prefix.Length > 0 && !element.EnumerateObject().Any())
            openSections.Add(prefix);
        foreach (var property in element.EnumerateObject())
            Flatten(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}");
    }

    [GeneratedRegex("""const string SectionName = "(\w+)";""")]
    private static partial Regex SectionName();

    [GeneratedRegex(@"public ([\w<>?, \[\]]+) (\w+) \{ get; set; \}")]
    private static partial Regex SettableProperty();

    [GeneratedRegex(@"^((I?List|IReadOnlyList|ICollection|IReadOnlyCollection|IEnumerable|HashSet|ISet)<.+>|\w+\[\])\??$")]
    private static partial Regex ListType();

    [GeneratedRegex(@"^(.+):\d+$")]
    private static partial Regex ListIndex();

    [GeneratedRegex(@":(\d+)/?$")]
    private static partial Regex UrlPort();
}
