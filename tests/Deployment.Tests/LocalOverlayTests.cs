using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

public sealed class LocalOverlayTests
{
    [KubectlFact]
    public void Local_Render_OneCpuCascadeWithTheTeacherInProcess()
    {
        var local = Kubectl.Overlay("local");
        var workload = Assert.Single(local.Workloads);
        Assert.Equal("1", local.Get("Deployment", workload.Name).Str("spec", "replicas"));
        var container = Assert.Single(workload.PodSpec.Items("containers"));
        Assert.DoesNotContain(container.Strings("resources", "limits").Keys, k => k.Contains("gpu", StringComparison.OrdinalIgnoreCase));
        var environment = local.Environment(container);
        Assert.Equal("Cascade", environment["Serving__Role"]);
        Assert.Equal("Cpu", environment["OnnxRuntime__ExecutionProvider"]);
        Assert.True(string.IsNullOrEmpty(environment["Teacher__Endpoint"]), "the local teacher runs in-process");
        // Models come baked into the image: nothing is mounted over the repository path.
        Assert.DoesNotContain(container.Items("volumeMounts"), m => m.Str("mountPath") == environment["ModelRepository__Path"]);
        Assert.Empty(local.OfKind("PersistentVolumeClaim"));
    }
}
