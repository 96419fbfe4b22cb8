using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>
/// API keys: production takes them from a Secret, no manifest carries a key in plain text, the teacher accepts only the
/// key the cascade sends, and the committed Secret holds placeholders the service refuses.
/// </summary>
public sealed partial class ApiKeyTests
{
    private const string KeysSecret = "inference-service-keys";

    private static RenderedManifests Production => Kubectl.Overlay("production");

    [KubectlFact]
    public void Production_CascadeAndTeacher_TakeTheirKeysFromTheSecret()
    {
        var cascade = RenderedManifests.SecretReferences(Container(Production, "inference-service"));
        var teacher = RenderedManifests.SecretReferences(Container(Production, "inference-teacher"));
        foreach (var name in new[] { "Authentication__ApiKeys__0", "Authentication__AdminKeys__0", "Teacher__ApiKey" })
            AssertRequiredFromSecret("inference-service", cascade, name);
        AssertRequiredFromSecret("inference-teacher", teacher, "Authentication__ApiKeys__0");

        // The teacher accepts the key the cascade sends, and neither the clients' key nor the admin key.
        Assert.Equal(cascade["Teacher__ApiKey"], teacher["Authentication__ApiKeys__0"]);
        Assert.DoesNotContain(teacher.Values, r => r.Key == cascade["Authentication__ApiKeys__0"].Key);
        Assert.DoesNotContain(teacher.Values, r => r.Key == cascade["Authentication__AdminKeys__0"].Key);
        Assert.NotEqual(cascade["Authentication__ApiKeys__0"].Key, cascade["Authentication__AdminKeys__0"].Key);
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void KeyVariables_Always_ComeFromASecretNeverAPlainValue(string overlay)
    {
        var manifests = Kubectl.Overlay(overlay);
        foreach (var workload in manifests.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                var what = $"{workload}/{container.Str("name")}";
                foreach (var name in manifests.PlainTextVariables(container))
                    Assert.False(IsSecretSetting(name), $"{what}: {name} is written in plain text (env value or ConfigMap); take it from a Secret");
                var fromSecrets = RenderedManifests.SecretReferences(container);
                foreach (var name in manifests.Environment(container).Keys.Where(IsSecretSetting))
                    Assert.True(fromSecrets.ContainsKey(name), $"{what}: {name} does not come from a secretKeyRef");
            }
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void SecretKeyRefs_Always_LandOnARenderedSecretKeyUnlessOptional(string overlay)
    {
        var manifests = Kubectl.Overlay(overlay);
        foreach (var workload in manifests.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                foreach (var (name, reference) in RenderedManifests.SecretReferences(container))
                {
                    Assert.True(manifests.Find("Secret", reference.Secret) is not null, $"{workload}: {name} reads Secret {reference.Secret}, which is not rendered");
                    Assert.True(reference.Optional || manifests.SecretValues(reference.Secret).ContainsKey(reference.Key),
                        $"{workload}: {name} reads key {reference.Key}, which Secret {reference.Secret} does not have");
                }
            }
        }
    }

    [KubectlFact]
    public void Production_CommittedSecret_HoldsOnlyPlaceholdersTheServiceRefuses()
    {
        // Deployed as committed, every replica fails its start-up validation instead of serving with keys from git.
        var minimum = MinimumKeyLength();
        var values = Production.SecretValues(KeysSecret);
        Assert.NotEmpty(values);
        foreach (var (key, value) in values)
            Assert.True(value.Length < minimum, $"Secret {KeysSecret} key {key}: {value.Length} characters, a usable key; commit only placeholders shorter than {minimum}");
    }

    [KubectlFact]
    public void KeysOverlay_AsDocumented_ReplacesThePlaceholdersUnderTheSameName()
    {
        // The overlay docs/deploy.md has operators write beside the production one (git-ignored), with their keys.
        var directory = Directory.CreateTempSubdirectory("production-keys-");
        try
        {
            var keys = new[] { "api-key", "admin-key", "teacher-key", "teacher-key-previous" }
                .ToDictionary(k => k, _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), StringComparer.Ordinal);
            File.WriteAllLines(Path.Combine(directory.FullName, "api-keys.env"), keys.Select(kv => $"{kv.Key}={kv.Value}"));
            var production = Path.GetRelativePath(directory.FullName, RepositoryPaths.Overlay("production")).Replace('\\', '/');
            File.WriteAllText(Path.Combine(directory.FullName, "kustomization.yaml"), $"""
                resources: [{production}]
                secretGenerator:
                  - name: {KeysSecret}
                    behavior: replace
                    envs: [api-keys.env]
                """);

            var rendered = Kubectl.RenderDirectory(directory.FullName);
            Assert.Equal<IReadOnlyDictionary<string, string>>(keys, rendered.SecretValues(KeysSecret));
            Assert.Equal(Production.Get("Secret", KeysSecret).Str("metadata", "namespace"), rendered.Get("Secret", KeysSecret).Str("metadata", "namespace"));
            // Same Secret name, so the pods' references and `kubectl create secret` address what the overlay wrote.
            foreach (var workload in new[] { "inference-service", "inference-teacher" })
                Assert.Equal(RenderedManifests.SecretReferences(Container(Production, workload)), RenderedManifests.SecretReferences(Container(rendered, workload)));
            Assert.Equal(Production.Documents.Count, rendered.Documents.Count);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void IsSecretSetting_KeysAndPasswords_ButNotPathsToThem()
    {
        foreach (var name in new[] { "Authentication__ApiKeys__0", "Authentication__AdminKeys__12", "Teacher__ApiKey", "Kestrel__Endpoints__Grpc__Certificate__Password" })
            Assert.True(IsSecretSetting(name), name);
        foreach (var name in new[] { "Kestrel__Endpoints__Grpc__Certificate__KeyPath", "Teacher__Endpoint", "POD_NAME", "Capture__Directory" })
            Assert.False(IsSecretSetting(name), name);
    }

    /// <summary>A setting that holds a secret: its last segment (an array index aside) names a key or a password.</summary>
    private static bool IsSecretSetting(string name) => SecretSetting().IsMatch(name);

    private static YamlDotNet.RepresentationModel.YamlNode Container(RenderedManifests manifests, string workload) =>
        Assert.Single(manifests.Workloads.Single(w => w.Name == workload).PodSpec.Items("containers"));

    private static void AssertRequiredFromSecret(string workload, IReadOnlyDictionary<string, SecretKeyReference> references, string name)
    {
        Assert.True(references.TryGetValue(name, out var reference), $"{workload}: {name} does not come from a secretKeyRef");
        Assert.Equal(KeysSecret, reference.Secret);
        Assert.False(reference.Optional, $"{workload}: {name} is optional; a replica without it would run open");
        Assert.True(Production.SecretValues(reference.Secret).ContainsKey(reference.Key), $"{workload}: {name} reads key {reference.Key}, missing from Secret {reference.Secret}");
    }

    /// <summary>The service's minimum key length, from its options class (read as text, like the other settings).</summary>
    private static int MinimumKeyLength()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryPaths.Service, "Authentication", "ApiKeyOptions.cs"));
        return int.Parse(MinimumKeyLengthConstant().Match(source).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(Key|Keys|Password)(__\d+)?$")]
    private static partial Regex SecretSetting();

    [GeneratedRegex(@"const int MinimumKeyLength = (\d+);")]
    private static partial Regex MinimumKeyLengthConstant();
}
