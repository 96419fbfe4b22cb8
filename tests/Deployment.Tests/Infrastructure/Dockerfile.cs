using System.Text.RegularExpressions;

namespace Deployment.Tests.Infrastructure;

/// <summary>One instruction of a Dockerfile, continuation lines joined, with the stage it belongs to.</summary>
public sealed record DockerInstruction(string Stage, string Keyword, string Arguments);

/// <summary>The repository's Dockerfile, parsed just enough to check it: stages, instructions, ARG defaults.</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerInstruction> instructions, IReadOnlyDictionary<string, string> globalArguments)
    {
        Instructions = instructions;
        GlobalArguments = globalArguments;
    }

    public static Dockerfile Instance { get; } = Parse(File.ReadAllText(RepositoryPaths.Dockerfile));

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>ARGs declared before the first FROM, with their defaults.</summary>
    public IReadOnlyDictionary<string, string> GlobalArguments { get; }

    public IEnumerable<DockerInstruction> In(string stage, string keyword) =>
        Instructions.Where(i => i.Stage == stage && i.Keyword == keyword);

    /// <summary>ENV settings of a stage (<c>KEY=value</c> pairs, possibly several per instruction).</summary>
    public IReadOnlyDictionary<string, string> Environment(string stage) =>
        In(stage, "ENV").SelectMany(i => EnvPair().Matches(i.Arguments)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

    /// <summary>A FROM's image with the global ARG defaults substituted.</summary>
    public string Resolve(string text) => ArgumentReference().Replace(text, m => GlobalArguments.GetValueOrDefault(m.Groups[1].Value, m.Value));

    private static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        var stage = "";
        var joined = Regex.Replace(text, @"\\\r?\n", " ");
        foreach (var raw in joined.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var rest = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var alias = FromAlias().Match(rest);
                stage = alias.Success ? alias.Groups[1].Value : rest;
            }
            else if (keyword == "ARG" && stage.Length == 0 && rest.Split('=', 2) is [var name, var value])
            {
                arguments[name] = value;
            }
            instructions.Add(new DockerInstruction(stage, keyword, rest));
        }
        return new Dockerfile(instructions, arguments);
    }

    [GeneratedRegex(@"\s+AS\s+(\S+)$", RegexOptions.IgnoreCase)]
    private static partial Regex FromAlias();

    [GeneratedRegex(@"\$\{?(\w+)\}?")]
    private static partial Regex ArgumentReference();

    [GeneratedRegex(@"([A-Za-z_][\w]*)=(\S*)")]
    private static partial Regex EnvPair();
}
