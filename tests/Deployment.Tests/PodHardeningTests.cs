using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>Every container of both overlays: resources, a hardened securityContext, a pinned image.</summary>
public sealed class PodHardeningTests
{
    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void Containers_Always_HaveRequestsAndLimits(string overlay)
    {
        foreach (var workload in Kubectl.Overlay(overlay).Workloads)
        {
            foreach (var container in workload.Containers)
            {
                foreach (var kind in new[] { "requests", "limits" })
                    foreach (var resource in new[] { "cpu", "memory" })
                        Assert.True(container.Str("resources", kind, resource) is not null, $"{workload}/{container.Str("name")}: no {kind}.{resource}");
            }
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void Containers_Always_RunHardened(string overlay)
    {
        foreach (var workload in Kubectl.Overlay(overlay).Workloads)
        {
            var pod = workload.PodSpec.At("securityContext");
            foreach (var container in workload.Containers)
            {
                var what = $"{workload}/{container.Str("name")}";
                var security = container.At("securityContext");
                Assert.True(security.Flag("runAsNonRoot") || pod.Flag("runAsNonRoot"), $"{what}: runAsNonRoot");
                Assert.True(security.Flag("readOnlyRootFilesystem"), $"{what}: readOnlyRootFilesystem");
                Assert.Equal("false", security.Str("allowPrivilegeEscalation"));
                Assert.Contains("ALL", security.Items("capabilities", "drop").Select(n => n.Str()));
                Assert.Equal("RuntimeDefault", security.Str("seccompProfile", "type") ?? pod.Str("seccompProfile", "type"));
                // A read-only root still needs a writable /tmp (the runtime's diagnostics socket, temporary files).
                var tmp = container.Items("volumeMounts").SingleOrDefault(m => m.Str("mountPath") == "/tmp");
                Assert.True(tmp is not null, $"{what}: no /tmp mount");
                var volume = workload.PodSpec.Items("volumes").Single(v => v.Str("name") == tmp.Str("name"));
                Assert.True(volume.At("emptyDir") is not null, $"{what}: /tmp is not an emptyDir");
            }
        }
    }

    [KubectlTheory]
    [InlineData("local")]
    [InlineData("production")]
    public void Images_Always_PinnedByTag(string overlay)
    {
        foreach (var workload in Kubectl.Overlay(overlay).Workloads)
        {
            foreach (var container in workload.Containers)
            {
                var image = container.Str("image")!;
                Assert.True(ImageReference.IsPinned(image), $"{workload}: image '{image}' is not pinned by tag");
            }
        }
    }
}
