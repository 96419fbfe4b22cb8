using YamlDotNet.RepresentationModel;

namespace Deployment.Tests.Infrastructure;

/// <summary>A pod template and where it comes from (a Deployment, or a CronJob's job template).</summary>
public sealed record Workload(string Kind, string Name, YamlNode PodSpec, IReadOnlyDictionary<string, string> PodLabels)
{
    public IReadOnlyList<YamlNode> Containers => [.. PodSpec.Items("initContainers"), .. PodSpec.Items("containers")];

    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>An env entry's <c>valueFrom.secretKeyRef</c>.</summary>
public sealed record SecretKeyReference(string Secret, string Key, bool Optional);

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

    /// <summary>The container's env entries that read a Secret (<c>valueFrom.secretKeyRef</c>), by variable name.</summary>
    public static IReadOnlyDictionary<string, SecretKeyReference> SecretReferences(YamlNode container) =>
        container.Items("env").Where(v => v.At("valueFrom", "secretKeyRef") is not null).ToDictionary(
            v => v.Str("name")!,
            v => new SecretKeyReference(v.Str("valueFrom", "secretKeyRef", "name")!, v.Str("valueFrom", "secretKeyRef", "key")!,
                v.Flag("valueFrom", "secretKeyRef", "optional")),
            StringComparer.Ordinal);

    /// <summary>
    /// Variables whose value is written into the manifests for anyone who can read them: env entries with a
    /// <c>value</c> or a <c>configMapKeyRef</c>, and the keys of the ConfigMaps loaded by <c>envFrom</c>.
    /// </summary>
    public IEnumerable<string> PlainTextVariables(YamlNode container)
    {
        foreach (var source in container.Items("envFrom").Where(s => s.At("configMapRef") is not null))
        {
            foreach (var key in Get("ConfigMap", source.Str("configMapRef", "name")!).Strings("data").Keys)
                yield return source.Str("prefix") + key;
        }
        foreach (var variable in container.Items("env").Where(v => v.At("value") is not null || v.At("valueFrom", "configMapKeyRef") is not null))
            yield return variable.Str("name")!;
    }

    /// <summary>The decoded entries of a rendered Secret (<c>data</c> is base64, <c>stringData</c> plain).</summary>
    public IReadOnlyDictionary<string, string> SecretValues(string name)
    {
        var secret = Get("Secret", name);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in secret.Strings("data"))
            values[key] = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));
        foreach (var (key, value) in secret.Strings("stringData"))
            values[key] = value;
        return values;
    }
}
