using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class CascadeRoutingTests : TinyServiceTests
{
    [Fact]
    public async Task Classify_ConfidentInput_StudentAnswers()
    {
        var response = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident, requestId: "r1"));

        Assert.Equal(ServedBy.Student, response.ServedBy);
        Assert.Equal(0, response.LabelIndex);
        Assert.Equal("zero", response.Label);
        Assert.False(response.Degraded);
        Assert.Equal(TinyModels.StudentVersion, response.ModelVersion);
        Assert.Equal("r1", response.RequestId);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Confident), response.StudentConfidence, 4);
        Assert.Equal(response.StudentConfidence, response.Confidence);
    }

    [Fact]
    public async Task Classify_UnsureInput_TeacherAnswersAndStudentConfidenceIsReported()
    {
        var response = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));

        Assert.Equal(ServedBy.Teacher, response.ServedBy);
        Assert.False(response.Degraded);
        Assert.Equal(TinyModels.TeacherVersion, response.ModelVersion);
        Assert.Equal(0, response.LabelIndex);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure), response.StudentConfidence, 4);
        // Teacher logits [4, 2, 0]: its own probability, not the student's.
        Assert.Equal(Math.Exp(4) / (Math.Exp(4) + Math.Exp(2) + 1), response.Confidence, 4);
        Assert.False(string.IsNullOrEmpty(response.RequestId));
    }

    [Fact]
    public async Task Classify_StudentOnlyRoute_StudentAnswersEvenWhenUnsure()
    {
        var response = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, Route.StudentOnly));

        Assert.Equal(ServedBy.Student, response.ServedBy);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure), response.Confidence, 4);
    }

    [Fact]
    public async Task Classify_TeacherOnlyRoute_TeacherAnswersEvenWhenStudentIsConfident()
    {
        var response = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident, Route.TeacherOnly));

        Assert.Equal(ServedBy.Teacher, response.ServedBy);
        Assert.Equal(TinyModels.TeacherVersion, response.ModelVersion);
        Assert.Equal(0f, response.StudentConfidence);
    }

    [Fact]
    public async Task Classify_TopK_ReturnsClassesByDescendingProbability()
    {
        var response = await Service.Client.ClassifyAsync(Requests.Tensor([0.1f, 0.3f, 0.2f, 0f], Route.StudentOnly, topK: 5));

        Assert.Equal([1, 2, 0], response.Top.Select(s => s.Index));
        Assert.Equal(["one", "two", "zero"], response.Top.Select(s => s.Label));
        Assert.Equal(1.0, response.Top.Sum(s => s.Probability), 4);
        Assert.Equal(response.Confidence, response.Top[0].Probability);
    }

    [Fact]
    public async Task Classify_NchwTensorWithBatchOne_Accepted()
    {
        var response = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident, shape: [1, 1, 2, 2]));

        Assert.Equal(0, response.LabelIndex);
    }

    [Fact]
    public async Task Classify_PngLargerThanInput_DecodedResizedAndClassified()
    {
        // 4x4 image, bright top-right quadrant: resized to 2x2 it lights pixel 1, so class "one" wins.
        var gray = new byte[16];
        foreach (var i in new[] { 2, 3, 6, 7 })
            gray[i] = 255;

        var response = await Service.Client.ClassifyAsync(Requests.Image(Requests.Png(gray, 4, 4), Route.StudentOnly));

        Assert.Equal(1, response.LabelIndex);
        Assert.True(response.Confidence > 0.99f);
    }

    [Fact]
    public async Task ClassifyStream_SeveralRequests_OneResponseEachInOrder()
    {
        using var call = Service.Client.ClassifyStream();
        for (var i = 0; i < 5; i++)
            await call.RequestStream.WriteAsync(Requests.Tensor(i % 2 == 0 ? TinyModels.Confident : TinyModels.Unsure, requestId: $"s{i}"));
        await call.RequestStream.CompleteAsync();

        var responses = new List<ClassifyResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
            responses.Add(call.ResponseStream.Current);

        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], responses.Select(r => r.RequestId));
        Assert.Equal([ServedBy.Student, ServedBy.Teacher, ServedBy.Student, ServedBy.Teacher, ServedBy.Student],
            responses.Select(r => r.ServedBy));
    }

    [Fact]
    public async Task GetModelInfo_DefaultModel_ReportsLiveVersionsLabelsThresholdAndShape()
    {
        var info = await Service.Client.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal(TinyModels.Name, info.Name);
        Assert.True(info.IsDefault);
        Assert.Equal(TinyModels.Labels, info.Labels);
        Assert.Equal(0.9, info.CascadeThreshold, 6);
        Assert.Equal(TinyModels.Shape, info.InputShape);
        Assert.Equal(TinyModels.StudentVersion, info.Student.Version);
        Assert.Equal(["2", "1"], info.Student.AvailableVersions);
        Assert.Equal(TinyModels.TeacherVersion, info.Teacher.Version);
        Assert.False(info.Teacher.Remote);
    }
}
