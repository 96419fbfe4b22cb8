using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Samples;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class CaptureTests
{
    [Fact]
    public async Task Classify_TeacherAnsweredRequests_AllInSampleLogAcrossRestart()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var expected = new List<string>();

        for (var run = 0; run < 2; run++)
        {
            await using var service = await new ServiceFactory(models.Root, samples.Path).StartAsync();
            for (var i = 0; i < 10; i++)
            {
                var id = $"run{run}-unsure{i}";
                var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, requestId: id));
                Assert.Equal(ServedBy.Teacher, response.ServedBy);
                expected.Add(id);
                // Confident and explicitly routed requests are not hard cases (shadow sampling is off here).
                await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident, requestId: $"run{run}-confident{i}"));
                await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, Route.TeacherOnly, $"run{run}-routed{i}"));
            }
            // Disposing stops the host: requests drain, then the sample log is flushed.
        }

        var reader = new SampleLogReader(samples.Path);
        var records = reader.ReadAll(strict: true).ToList();
        Assert.Equal(expected, records.Select(r => r.RequestId));
        var first = records[0];
        Assert.Equal(SampleReason.Fallback, first.Reason);
        Assert.Equal(TinyModels.Name, first.Model);
        Assert.Equal(TinyModels.StudentVersion, first.StudentVersion);
        Assert.Equal(TinyModels.TeacherVersion, first.TeacherVersion);
        Assert.Equal((1, 2, 2), (first.Channels, first.Height, first.Width));
        Assert.Equal(TinyModels.Unsure, first.Input);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure), first.StudentProbabilities.Max(), 4);
        Assert.Equal(1.0, first.TeacherProbabilities.Sum(), 4);
    }

    [Fact]
    public async Task Classify_ShadowRateOne_ConfidentRequestsAlsoCapturedAsShadow()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using (var service = await new ServiceFactory(models.Root, samples.Path,
            new Dictionary<string, string?> { ["Capture:ShadowSampleRate"] = "1", ["Capture:MaxShadowInFlight"] = "100" }).StartAsync())
        {
            for (var i = 0; i < 5; i++)
            {
                var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident, requestId: $"c{i}"));
                Assert.Equal(ServedBy.Student, response.ServedBy);
            }
        }

        var records = new SampleLogReader(samples.Path).ReadAll(strict: true).ToList();
        Assert.Equal(["c0", "c1", "c2", "c3", "c4"], records.Select(r => r.RequestId).Order());
        Assert.All(records, r => Assert.Equal(SampleReason.Shadow, r.Reason));
    }
}
