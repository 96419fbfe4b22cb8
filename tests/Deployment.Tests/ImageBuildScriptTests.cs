using System.Text.RegularExpressions;
using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>
/// scripts/build-images.sh builds the Dockerfile's own targets; where it publishes on the host instead of in the SDK
/// image, it must publish the same way into the folders the Dockerfile's host stages copy, and tag what the
/// manifests run. Together with the Dockerfile tests this keeps one recipe for both ways of building.
/// </summary>
public sealed partial class ImageBuildScriptTests
{
    private static readonly Dockerfile Docker = Dockerfile.Instance;
    private static readonly string Script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "build-images.sh"));

    [Theory]
    [InlineData("service", "src/InferenceService/InferenceService.csproj")]
    [InlineData("distillation", "src/Distillation/Distillation.csproj")]
    public void Publish_HostAndSdkStages_SameProjectFlagsAndFolder(string app, string project)
    {
        var sdk = Assert.Single(Docker.In($"publish-{app}-sdk", "RUN")).Arguments;
        var hostCopy = Assert.Single(Docker.In($"publish-{app}-host", "COPY")).Arguments;
        var scripted = Regex.Replace(Script, @"\\\r?\n\s*", " ");
        var host = Assert.Single(PublishCommand().Matches(scripted), m => m.Groups["project"].Value == project);

        Assert.Equal(Flags(Assert.Single(PublishCommand().Matches(sdk)).Groups["flags"].Value), Flags(host.Groups["flags"].Value));
        Assert.Equal($"artifacts/publish/{app}", host.Groups["output"].Value);
        Assert.Equal($"artifacts/publish/{app}/ /out/{app}/", hostCopy);
        Assert.Contains(Docker.Instructions, i => i.Keyword == "FROM" && i.Arguments == $"publish-{app}-${{PUBLISH}} AS publish-{app}");
    }

    [Fact]
    public void Build_Targets_AreTheImagesTheManifestsRun()
    {
        var tag = Regex.Match(Script, @"^tag=(\S+)$", RegexOptions.Multiline).Groups[1].Value;
        var deployment = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "k8s", "base", "cascade-deployment.yaml"));
        var cronJob = File.ReadAllText(Path.Combine(RepositoryPaths.Overlay("production"), "redistill-cronjob.yaml"));

        Assert.Contains($"image: inference-service:{tag}", deployment, StringComparison.Ordinal);
        Assert.Contains($"image: distillation:{tag}", cronJob, StringComparison.Ordinal);
        Assert.Contains("service_ref=inference-service:$tag", Script, StringComparison.Ordinal);
        Assert.Contains("distillation_ref=distillation:$tag", Script, StringComparison.Ordinal);
        Assert.Contains("--target service -t \"$service_ref\" .", Script, StringComparison.Ordinal);
        Assert.Contains("--target distillation -t \"$distillation_ref\" .", Script, StringComparison.Ordinal);
        Assert.Equal("sdk", Docker.GlobalArguments["PUBLISH"]);
    }

    [Fact]
    public void DebianBase_User_IsTheManifestsRunAsUser()
    {
        var deployment = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "k8s", "base", "cascade-deployment.yaml"));
        var runAs = Regex.Match(deployment, @"runAsUser: (\d+)").Groups[1].Value;

        Assert.Contains($"app:x:{runAs}:{runAs}::/home/app:/usr/sbin/nologin", Script, StringComparison.Ordinal);
        Assert.Equal(runAs, Assert.Single(Docker.In("service", "USER")).Arguments);
        Assert.Equal(runAs, Assert.Single(Docker.In("distillation", "USER")).Arguments);
    }

    private static string[] Flags(string flags) =>
        [.. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f is not "--no-restore" && !f.StartsWith("-p:UseGpu", StringComparison.Ordinal))];

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)(?<flags>(?:\s+(?:-c|-r|--self-contained) \S+|\s+--no-restore|\s+-p:\S+)*)\s+-o (?<output>\S+)")]
    private static partial Regex PublishCommand();
}
