namespace InferenceService.Tests.Infrastructure;

/// <summary>
/// Tests against the real service on the tiny models (threshold 0.9) with a scratch sample folder: a fresh service
/// for each test, removed after it. A class that needs other settings or a Kestrel host overrides
/// <see cref="CreateService"/>.
/// </summary>
public abstract class TinyServiceTests : IAsyncLifetime
{
    protected TinyModels Models { get; } = new();
    protected TempDirectory Samples { get; } = new();
    protected ServiceFactory Service { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Service = await CreateService().StartAsync();

    public virtual async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        Models.Dispose();
        Samples.Dispose();
    }

    /// <summary>The service under test: the test defaults, on a TestServer.</summary>
    protected virtual ServiceFactory CreateService() => new(Models.Root, Samples.Path);
}
