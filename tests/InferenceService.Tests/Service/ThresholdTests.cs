using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class ThresholdTests
{
    [Fact]
    public async Task Classify_CalibratedTemperatureAndThreshold_RoutesOnCalibratedConfidence()
    {
        // Temperature 4 softens [10, 0, 0] to ≈ 0.86, under the 0.9 threshold; at T = 1 it would be ≈ 0.9999.
        using var models = new TinyModels(threshold: 0.9, temperature: 4);
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path).StartAsync();

        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        Assert.Equal(ServedBy.Teacher, response.ServedBy);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Confident, temperature: 4), response.StudentConfidence, 4);
    }

    [Theory]
    [InlineData(0.5, ServedBy.Student)]
    [InlineData(0.7, ServedBy.Teacher)]
    public async Task Classify_ThresholdOverriddenInConfiguration_OverrideWinsOverMetadata(double threshold, ServedBy expected)
    {
        // The unsure input's confidence is ≈ 0.665: below 0.9 (metadata) but the override decides.
        using var models = new TinyModels(threshold: 0.9);
        using var samples = new TempDirectory();
        var overrides = new Dictionary<string, string?> { [$"ModelRepository:Thresholds:{TinyModels.Name}"] = threshold.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var service = await new ServiceFactory(models.Root, samples.Path, overrides).StartAsync();

        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));
        var info = await service.Client.GetModelInfoAsync(new GetModelInfoRequest { Model = TinyModels.Name });

        Assert.Equal(expected, response.ServedBy);
        Assert.Equal(threshold, info.CascadeThreshold, 6);
    }
}
