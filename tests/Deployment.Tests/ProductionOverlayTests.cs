using System.Globalization;
using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>The production shape: a CPU cascade fleet, a GPU teacher pool, scheduled redistillation, policies.</summary>
public sealed class ProductionOverlayTests
{
    private static RenderedManifests Production => Kubectl.Overlay("production");

    [KubectlFact]
    public void Render_Production_HasEveryPart()
    {
        var kinds = Production.Documents.Select(d => d.Str("kind")).ToHashSet();
        foreach (var kind in new[] { "Namespace", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                     "PersistentVolumeClaim", "CronJob", "NetworkPolicy", "ServiceMonitor", "PrometheusRule" })
            Assert.Contains(kind, kinds);
        foreach (var claim in new[] { "model-repository", "sample-log" })
            Assert.Contains("ReadWriteMany", Production.Get("PersistentVolumeClaim", claim).Items("spec", "accessModes").Select(n => n.Str()));
    }

    [KubectlFact]
    public void Cascade_TeacherEndpoint_IsTheTeacherService()
    {
        var cascade = Production.Workloads.Single(w => w.Name == "inference-service");
        var environment = Production.Environment(Assert.Single(cascade.PodSpec.Items("containers")));
        Assert.Equal("Cascade", environment["Serving__Role"]);
        var endpoint = new Uri(environment["Teacher__Endpoint"]!);
        var service = Production.Get("Service", endpoint.Host);
        Assert.Contains(service.Items("spec", "ports"), p => p.Str("port") == endpoint.Port.ToString(CultureInfo.InvariantCulture) && p.Str("name") == "grpc");
        var teacher = Production.Workloads.Single(w => service.Strings("spec", "selector").Selects(w.PodLabels));
        Assert.Equal("Teacher", Production.Environment(Assert.Single(teacher.PodSpec.Items("containers")))["Serving__Role"]);
    }

    [KubectlFact]
    public void Workloads_QueueBound_ReachableUnderTheInFlightLimit()
    {
        // Every admitted request waits in at most one queue, so a queue bound at or above the in-flight limit never
        // refuses anything: setting one is only meaningful below it.
        foreach (var workload in Production.Workloads.Where(w => w.Kind == "Deployment"))
        {
            var environment = Production.Environment(workload.PodSpec.Items("containers").First());
            if (environment.GetValueOrDefault("Batching__MaxQueueSize") is not { } queue)
                continue;
            // 256: ServingOptions.MaxInFlightRequests when unset (this project builds no service code to ask).
            var inFlight = environment.GetValueOrDefault("Serving__MaxInFlightRequests") ?? "256";
            Assert.True(int.Parse(queue, CultureInfo.InvariantCulture) < int.Parse(inFlight, CultureInfo.InvariantCulture),
                $"{workload.Name}: Batching__MaxQueueSize={queue} can never be reached under Serving__MaxInFlightRequests={inFlight}");
        }
    }

    [KubectlFact]
    public void Teacher_Pods_GetAGpuNode()
    {
        var teacher = Production.Workloads.Single(w => w.Name == "inference-teacher");
        var container = Assert.Single(teacher.PodSpec.Items("containers"));
        Assert.Equal("1", container.Str("resources", "limits", "nvidia.com/gpu"));
        Assert.NotEmpty(teacher.PodSpec.Strings("nodeSelector"));
        Assert.Contains(teacher.PodSpec.Items("tolerations"), t => t.Str("key") == "nvidia.com/gpu");
        Assert.EndsWith("-gpu", container.Str("image"), StringComparison.Ordinal);
        Assert.Equal("Cuda", Production.Environment(container)["OnnxRuntime__ExecutionProvider"]);
    }

    [KubectlFact]
    public void AutoscalerAndDisruptionBudgets_Always_TargetExistingPods()
    {
        foreach (var hpa in Production.OfKind("HorizontalPodAutoscaler"))
        {
            var target = hpa.At("spec", "scaleTargetRef");
            Assert.NotNull(Production.Find(target.Str("kind")!, target.Str("name")!));
            Assert.Contains(hpa.Items("spec", "metrics"), m => m.Str("resource", "name") == "cpu");
        }
        var budgets = Production.OfKind("PodDisruptionBudget").ToList();
        Assert.Equal(2, budgets.Count);
        foreach (var budget in budgets)
            Assert.Single(Production.Workloads, w => budget.Strings("spec", "selector", "matchLabels").Selects(w.PodLabels));
    }

    [KubectlFact]
    public void NetworkPolicies_OnlyCascadeReachesTeacher_OnlyPrometheusReachesMetrics()
    {
        var policies = Production.OfKind("NetworkPolicy").ToList();
        Assert.Contains(policies, p => p.Strings("spec", "podSelector").Count == 0 && p.At("spec", "ingress") is null);
        foreach (var policy in policies.Where(p => p.At("spec", "ingress") is not null))
        {
            var selector = policy.Strings("spec", "podSelector", "matchLabels");
            Assert.Contains(Production.Workloads, w => selector.Selects(w.PodLabels));
            foreach (var rule in policy.Items("spec", "ingress"))
            {
                var ports = rule.Items("ports").Select(p => p.Str("port")).ToList();
                foreach (var peer in rule.Items("from").Where(peer => peer.At("podSelector") is not null && peer.At("namespaceSelector") is null))
                    Assert.Contains(Production.Workloads, w => peer.Strings("podSelector", "matchLabels").Selects(w.PodLabels));
                if (ports.Contains("9464"))
                    Assert.All(rule.Items("from"), peer => Assert.Equal("prometheus", peer.Str("podSelector", "matchLabels", "app.kubernetes.io/name")));
                if (ports.Contains("50051") && selector.GetValueOrDefault("app.kubernetes.io/component") == "teacher")
                    Assert.All(rule.Items("from"), peer => Assert.Equal("cascade", peer.Str("podSelector", "matchLabels", "app.kubernetes.io/component")));
            }
        }
    }

    [KubectlFact]
    public void ServiceMonitor_Selects_ServicesWithMetricsPort()
    {
        var monitor = Assert.Single(Production.OfKind("ServiceMonitor"));
        var services = Production.OfKind("Service").Where(s => monitor.Strings("spec", "selector", "matchLabels").Selects(s.Strings("metadata", "labels"))).ToList();
        Assert.Equal(2, services.Count); // the cascade and the teacher
        foreach (var endpoint in monitor.Items("spec", "endpoints"))
            Assert.All(services, s => Assert.Contains(s.Items("spec", "ports"), p => p.Str("name") == endpoint.Str("port")));
    }

    [KubectlFact]
    public void RedistillCronJob_Arguments_LieOnTheVolumesTheServiceUses()
    {
        var job = Production.Workloads.Single(w => w.Kind == "CronJob");
        var container = Assert.Single(job.PodSpec.Items("containers"));
        var commandLine = container.Items("command").Concat(container.Items("args")).Select(n => n.Str()!).ToList();
        Assert.Contains("redistill", commandLine);
        var cascade = Production.Workloads.Single(w => w.Name == "inference-service");
        var cascadeEnvironment = Production.Environment(Assert.Single(cascade.PodSpec.Items("containers")));

        // The model repository: written by the job, read by the service through the same claim.
        var repository = Mount(job, Argument(commandLine, "--model-repo"));
        Assert.False(repository.ReadOnly, "the job writes new versions into the model repository");
        Assert.Equal(Mount(cascade, cascadeEnvironment["ModelRepository__Path"]!).Claim, repository.Claim);
        Assert.StartsWith(Argument(commandLine, "--model-repo") + "/", Argument(commandLine, "--teacher"), StringComparison.Ordinal);
        Assert.Equal(repository.Claim, Mount(job, Argument(commandLine, "--teacher")).Claim);

        // The sample log: every replica's folder lies under the samples argument, on the same claim.
        var samples = Argument(commandLine, "--samples");
        Assert.Equal(Mount(cascade, "/samples/pod").Claim, Mount(job, samples).Claim);
        Assert.StartsWith(samples + "/", cascadeEnvironment["Capture__Directory"]!.Replace("$(POD_NAME)", "pod", StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.NotNull(Mount(job, Argument(commandLine, "--data")).Claim);
        // The wrapper script that merges the replicas' folders comes from a mounted ConfigMap.
        Assert.NotNull(Mount(job, commandLine[1]).Volume.At("configMap"));
    }

    private static string Argument(IReadOnlyList<string> commandLine, string option)
    {
        var at = commandLine.ToList().IndexOf(option);
        Assert.True(at >= 0 && at + 1 < commandLine.Count, $"no {option} in the CronJob's command line");
        return commandLine[at + 1];
    }

    private sealed record MountedVolume(YamlDotNet.RepresentationModel.YamlNode Volume, bool ReadOnly)
    {
        public string? Claim => Volume.Str("persistentVolumeClaim", "claimName");
    }

    /// <summary>The volume whose mount holds <paramref name="path"/> (the deepest mount path that is a prefix).</summary>
    private static MountedVolume Mount(Workload workload, string path)
    {
        var mount = workload.PodSpec.Items("containers").SelectMany(c => c.Items("volumeMounts"))
            .Where(m => path == m.Str("mountPath") || path.StartsWith(m.Str("mountPath")!.TrimEnd('/') + "/", StringComparison.Ordinal))
            .MaxBy(m => m.Str("mountPath")!.Length);
        Assert.True(mount is not null, $"{workload}: '{path}' lies on no mounted volume");
        var volume = workload.PodSpec.Items("volumes").Single(v => v.Str("name") == mount.Str("name"));
        return new MountedVolume(volume, mount.Flag("readOnly") || volume.Flag("persistentVolumeClaim", "readOnly"));
    }
}
