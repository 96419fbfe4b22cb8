using Deployment.Tests.Infrastructure;

namespace Deployment.Tests;

/// <summary>What the manifests' settings are checked against: every key the service reads, and nothing else.</summary>
public sealed class ServiceConfigurationTests
{
    private static readonly ServiceConfiguration Configuration = ServiceConfiguration.Instance;

    [Theory]
    [InlineData("Authentication:ApiKeys:0")]
    [InlineData("Authentication:ApiKeys:1")]
    [InlineData("Authentication:AdminKeys:0")]
    [InlineData("authentication:apikeys:0")] // configuration keys are case-insensitive
    [InlineData("Teacher:ApiKey")]
    [InlineData("Teacher:Endpoint")]
    [InlineData("ModelRepository:Thresholds:fashion-mnist")]
    public void Knows_SettingsTheServiceReads(string key) => Assert.True(Configuration.Knows(key), key);

    [Theory]
    [InlineData("Authentication:ApiKeys")] // a list: the binder ignores a plain value here
    [InlineData("Authentication:ApiKeys:first")]
    [InlineData("Authentication:ApiKeys:0:Value")]
    [InlineData("Authentication:ApiKey:0")]
    [InlineData("Authentication:Keys:0")]
    [InlineData("Authentication:MinimumKeyLength")] // a constant, not a setting
    [InlineData("Teacher:ApiKey:0")]
    [InlineData("Teacher:ApiKeys:0")]
    [InlineData("Teacher:Endpoint:0")]
    public void Knows_NoOtherKeys(string key) => Assert.False(Configuration.Knows(key), key);
}
