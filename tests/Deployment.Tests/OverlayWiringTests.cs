using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>Both overlays, rendered: every reference between objects lands on something that exists.</summary>
public sealed class OverlayWiringTests
{
    private static readonly ServiceConfiguration Configuration = ServiceConfiguration.Instance;

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void Deployments_Selector_MatchesOwnPodLabels(string overlay)
    {
        var manifests = Kubectl.Overlay(overlay);
        Assert.NotEmpty(manifests.OfKind("Deployment"));
        foreach (var deployment in manifests.OfKind("Deployment"))
        {
            var selector = deployment.Strings("spec", "selector", "matchLabels");
            Assert.NotEmpty(selector);
            Assert.True(selector.Selects(deployment.Strings("spec", "template", "metadata", "labels")), deployment.Str("metadata", "name"));
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void Services_SelectorAndTargetPorts_MatchContainerPortsAndConfiguredEndpoints(string overlay)
    {
        var manifests = Kubectl.Overlay(overlay);
        foreach (var service in manifests.OfKind("Service"))
        {
            var name = service.Str("metadata", "name");
            var selected = manifests.Workloads.Where(w => service.Strings("spec", "selector").Selects(w.PodLabels)).ToList();
            Assert.True(selected.Count == 1, $"Service {name} selects {selected.Count} workloads, expected one");
            var container = Assert.Single(selected[0].PodSpec.Items("containers"));
            var environment = manifests.Environment(container);
            foreach (var port in service.Items("spec", "ports"))
            {
                var target = port.Str("targetPort") ?? port.Str("port")!;
                var containerPort = container.Items("ports").SingleOrDefault(p => p.Str("name") == target || p.Str("containerPort") == target);
                Assert.True(containerPort is not null, $"Service {name} targets port '{target}', which {selected[0]} does not declare");
                // The container port is where Kestrel really listens: Grpc, Metrics and Rest endpoints as configured.
                var endpoint = containerPort.Str("name") switch
                {
                    "grpc" => "Grpc",
                    "metrics" => "Metrics",
                    "rest" => "Rest",
                    var other => throw new Xunit.Sdk.XunitException($"unexpected container port name '{other}'"),
                };
                Assert.Equal(Configuration.EndpointPort(endpoint, environment), int.Parse(containerPort.Str("containerPort")!, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void EnvironmentVariables_Always_MapToServiceConfigurationKeys(string overlay)
    {
        var manifests = Kubectl.Overlay(overlay);
        foreach (var workload in manifests.ServiceWorkloads)
        {
            var environment = manifests.Environment(Assert.Single(workload.PodSpec.Items("containers")));
            Assert.NotEmpty(environment);
            foreach (var name in environment.Keys)
            {
                if (name == "POD_NAME")
                    continue; // the downward API, used to give each replica its own sample log folder
                if (name.StartsWith("OTEL_", StringComparison.Ordinal))
                    continue; // read by the OpenTelemetry SDK (OTLP export switches on with OTEL_EXPORTER_OTLP_ENDPOINT)
                Assert.True(name.Contains("__", StringComparison.Ordinal), $"{workload}: {name} is not a Section__Key setting");
                Assert.True(Configuration.Knows(name.Replace("__", ":", StringComparison.Ordinal)),
                    $"{workload}: {name} is no setting of the service (appsettings.json, Configuration/*.cs)");
            }
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void Probes_Always_UseGrpcHealthOnGrpcPort(string overlay)
    {
        foreach (var workload in Kubectl.Overlay(overlay).ServiceWorkloads)
        {
            var container = Assert.Single(workload.PodSpec.Items("containers"));
            var grpcPort = container.Items("ports").Single(p => p.Str("name") == "grpc").Str("containerPort");
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            {
                Assert.True(container.At(probe, "grpc") is not null, $"{workload}: {probe} is not a native gRPC probe");
                Assert.Equal(grpcPort, container.Str(probe, "grpc", "port"));
                // An empty service name asks for the server's overall status, which reflects the models check.
                Assert.True(string.IsNullOrEmpty(container.Str(probe, "grpc", "service")), $"{workload}: {probe} names a gRPC health service");
            }
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void TerminationGracePeriod_Always_OutlastsPreStopAndDrain(string overlay)
    {
        // The host drains in-flight requests and flushes the sample log within its shutdown timeout (.NET's 30 s).
        const int drainSeconds = 30;
        foreach (var workload in Kubectl.Overlay(overlay).ServiceWorkloads)
        {
            var container = Assert.Single(workload.PodSpec.Items("containers"));
            var preStop = int.Parse(container.Str("lifecycle", "preStop", "sleep", "seconds") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var grace = int.Parse(workload.PodSpec.Str("terminationGracePeriodSeconds") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(grace > preStop + drainSeconds, $"{workload}: {grace} s grace for {preStop} s preStop + {drainSeconds} s drain");
        }
    }
}
