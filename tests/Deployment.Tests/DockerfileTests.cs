using System.Text.RegularExpressions;
using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

public sealed class DockerfileTests
{
    private static readonly Dockerfile Docker = Dockerfile.Instance;
    private static readonly ServiceConfiguration Configuration = ServiceConfiguration.Instance;

    [Fact]
    public void Stages_ServiceAndDistillation_ExistAndRunAsNonRoot()
    {
        foreach (var stage in new[] { "service", "distillation" })
        {
            var user = Assert.Single(Docker.In(stage, "USER")).Arguments;
            Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
            Assert.Single(Docker.In(stage, "ENTRYPOINT"));
        }
        Assert.StartsWith("--", Assert.Single(Docker.In("service", "HEALTHCHECK")).Arguments, StringComparison.Ordinal);
        Assert.Contains("InferenceService.dll", Assert.Single(Docker.In("service", "ENTRYPOINT")).Arguments, StringComparison.Ordinal);
        Assert.Contains("Distillation.dll", Assert.Single(Docker.In("distillation", "ENTRYPOINT")).Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Expose_Service_IsTheConfiguredGrpcMetricsAndRestPorts()
    {
        var exposed = Docker.In("service", "EXPOSE").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => p.Split('/')[0]).ToHashSet();
        var environment = Docker.Environment("service").ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        var ports = new[] { "Grpc", "Metrics", "Rest" }.Select(e => Configuration.EndpointPort(e, environment).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(new HashSet<string> { "50051", "9464", "8000" }, ports);
        Assert.Equal(ports, exposed);
        // The image binds every interface; appsettings.json binds loopback for `dotnet run`.
        Assert.All(new[] { "Grpc", "Metrics", "Rest" }, e => Assert.Contains("//+:", environment[$"Kestrel__Endpoints__{e}__Url"], StringComparison.Ordinal));
    }

    [Fact]
    public void Environment_Service_SetsRealKeysAndThePathsItProvides()
    {
        var environment = Docker.Environment("service");
        foreach (var name in environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)))
            Assert.True(Configuration.Knows(name.Replace("__", ":", StringComparison.Ordinal)), $"ENV {name} is no setting of the service");
        var models = environment["ModelRepository__Path"];
        Assert.Contains(Docker.In("service", "COPY"), c => Regex.IsMatch(c.Arguments, $@"(^|\s)models/?\s+{Regex.Escape(models)}/?$"));
        Assert.Contains(Docker.In("service", "RUN"), r => r.Arguments.Contains($"mkdir -p {environment["Capture__Directory"]}", StringComparison.Ordinal));
    }

    [KubectlFact]
    public void Paths_Image_AreWhereProductionMountsTheVolumes()
    {
        var image = Docker.Environment("service");
        var production = Kubectl.Overlay("production");
        foreach (var workload in production.ServiceWorkloads)
        {
            var container = Assert.Single(workload.PodSpec.Items("containers"));
            var mounts = container.Items("volumeMounts").Select(m => m.Str("mountPath")).ToList();
            Assert.Equal(image["ModelRepository__Path"], production.Environment(container)["ModelRepository__Path"]);
            Assert.Contains(image["ModelRepository__Path"], mounts);
            if (workload.Name == "inference-service")
                Assert.Contains(image["Capture__Directory"], mounts);
        }
    }

    [Fact]
    public void From_ExternalImages_ArePinnedByTag()
    {
        var stages = Docker.Instructions.Select(i => i.Stage).ToHashSet();
        foreach (var from in Docker.Instructions.Where(i => i.Keyword == "FROM"))
        {
            var image = Docker.Resolve(from.Arguments.Split(' ')[0]);
            if (stages.Contains(image) || image.StartsWith("service-base-", StringComparison.Ordinal) || image == "scratch")
                continue; // a stage of this Dockerfile, or nothing
            Assert.True(ImageReference.IsPinned(image), $"FROM {image} is not pinned by tag");
        }
    }

    [Fact]
    public void Restore_ProjectFiles_CopiedBeforeSourcesAndRestoreCached()
    {
        var build = Docker.Instructions.Where(i => i.Stage == "build").ToList();
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var sources = build.FindIndex(i => i.Keyword == "COPY" && i.Arguments.StartsWith("src/ ", StringComparison.Ordinal));
        Assert.InRange(restore, 0, sources - 1);
        var copied = build.Take(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments.Split(' ')[0]).ToHashSet();
        foreach (var project in ProjectClosure("src/InferenceService/InferenceService.csproj", "src/Distillation/Distillation.csproj"))
            Assert.Contains(project, copied);
        Assert.Contains("Directory.Packages.props", build.Take(restore).Single(i => i.Arguments.StartsWith("global.json", StringComparison.Ordinal)).Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuVariant_BuildArgument_SwapsOnnxRuntimePackageAndBase()
    {
        Assert.Equal("cpu", Docker.GlobalArguments["VARIANT"]);
        Assert.Contains("cuda", Docker.GlobalArguments["CUDA_IMAGE"], StringComparison.Ordinal);
        Assert.Contains(Docker.Instructions, i => i.Keyword == "FROM" && i.Arguments.StartsWith("service-base-${VARIANT}", StringComparison.Ordinal));
        Assert.Contains(Docker.In("publish-service-sdk", "RUN"), r => r.Arguments.Contains("-p:UseGpu=$USE_GPU", StringComparison.Ordinal)
            && r.Arguments.Contains("\"$VARIANT\" = gpu", StringComparison.Ordinal));
    }

    /// <summary>The projects and everything they reference, as repository-relative paths.</summary>
    private static HashSet<string> ProjectClosure(params string[] projects)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(projects);
        while (pending.TryPop(out var project))
        {
            if (!seen.Add(project))
                continue;
            var directory = Path.GetDirectoryName(Path.Combine(RepositoryPaths.Root, project))!;
            foreach (Match reference in Regex.Matches(File.ReadAllText(Path.Combine(RepositoryPaths.Root, project)), "ProjectReference Include=\"([^\"]+)\""))
                pending.Push(Path.GetRelativePath(RepositoryPaths.Root, Path.GetFullPath(Path.Combine(directory, reference.Groups[1].Value.Replace('\\', '/')))));
        }
        return seen;
    }
}
