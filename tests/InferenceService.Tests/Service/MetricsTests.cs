using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task Classify_MixedTraffic_MetricsCountWhoAnsweredFallbacksAgreementAndCapture()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path).StartAsync();

        for (var i = 0; i < 3; i++)
            await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        for (var i = 0; i < 2; i++)
            await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));
        await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, Route.StudentOnly));
        await service.Services.GetRequiredService<InferenceService.Capture.HardCaseCapture>().Log!.FlushAsync();
        service.FlushMetrics();

        Assert.Equal(3, service.HistogramCount("serving.request.duration", ("served_by", "student"), ("route", "auto")));
        Assert.Equal(2, service.HistogramCount("serving.request.duration", ("served_by", "teacher"), ("route", "auto")));
        Assert.Equal(1, service.HistogramCount("serving.request.duration", ("served_by", "student"), ("route", "student_only")));
        Assert.Equal(2, service.Counter("serving.fallbacks", ("model", TinyModels.Name)));
        Assert.Equal(2, service.Counter("serving.agreement", ("agree", "true")));
        Assert.Equal(0, service.Counter("serving.degraded"));
        Assert.Equal(2, service.Counter("serving.capture.written"));
        Assert.Equal(0, service.Counter("serving.capture.dropped"));
        Assert.Equal(6, service.HistogramSum("serving.batch.size", ("role", "student")));
        Assert.Equal(2, service.HistogramSum("serving.batch.size", ("role", "teacher")));
        Assert.True(service.HistogramCount("serving.inference.duration", ("model", TinyModels.Name)) >= 2);
        Assert.True(service.HistogramCount("serving.queue.delay", ("role", "student")) == 6);
        Assert.Contains(service.Metrics, m => m.Name == "resilience.polly.pipeline.duration");
    }
}
