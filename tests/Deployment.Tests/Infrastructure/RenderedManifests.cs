using YamlDotNet.RepresentationModel;

namespace Deployment.Tests.Infrastructure;

/// <summary>A pod template and where it comes from (a Deployment, or a CronJob's job template).</summary>
public sealed record Workload(string Kind, string Name, YamlNode PodSpec, IReadOnlyDictionary<string, string> PodLabels)
{
    public IReadOnlyList<YamlNode> Containers => [.. PodSpec.Items("initContainers"), .. PodSpec.Items("containers")];

    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>The multi-document YAML that <c>kubectl kustomize</c> prints, parsed.</summary>
public sealed class RenderedManifests(IReadOnlyList<YamlNode> documents)
{
    public IReadOnlyList<YamlNode> Documents { get; } = documents;

    public static RenderedManifests Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new RenderedManifests(stream.Documents.Select(d => d.RootNode).Where(n => n is YamlMappingNode).ToList());
    }

    public IEnumerable<YamlNode> OfKind(string kind) => Documents.Where(d => d.Str("kind") == kind);

    public YamlNode? Find(string kind, string name) => OfKind(kind).SingleOrDefault(d => d.Str("metadata", "name") == name);

    public YamlNode Get(string kind, string name) => Find(kind, name) ?? throw new InvalidOperationException($"no {kind}/{name} rendered");

    public IReadOnlyList<Workload> Workloads =>
    [
        .. OfKind("Deployment").Select(d => new Workload("Deployment", d.Str("metadata", "name")!,
            d.At("spec", "template", "spec")!, d.Strings("spec", "template", "metadata", "labels"))),
        .. OfKind("CronJob").Select(d => new Workload("CronJob", d.Str("metadata", "name")!,
            d.At("spec", "jobTemplate", "spec", "template", "spec")!, d.Strings("spec", "jobTemplate", "spec", "template", "metadata", "labels"))),
    ];

    /// <summary>The inference service's pods (cascade and teacher), told apart from the tool by their container ports.</summary>
    public IEnumerable<Workload> ServiceWorkloads => Workloads.Where(w => w.Containers.Any(c => c.Items("ports").Any(p => p.Str("name") == "grpc")));

    /// <summary>Every environment variable a container sees: its env entries and the keys of the ConfigMaps it loads.</summary>
    public IReadOnlyDictionary<string, string?> Environment(YamlNode container)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in container.Items("envFrom"))
        {
            var name = source.Str("configMapRef", "name") ?? throw new InvalidOperationException("envFrom without configMapRef");
            foreach (var (key, value) in Get("ConfigMap", name).Strings("data"))
                variables[source.Str("prefix") + key] = value;
        }
        foreach (var variable in container.Items("env"))
            variables[variable.Str("name")!] = variable.Str("value");
        return variables;
    }
}
