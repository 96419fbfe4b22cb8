using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Input;
using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Samples;

namespace InferenceService.Tests.Cascade;

/// <summary>The cascade's decisions, without a host: tiny models as the student, a scripted teacher.</summary>
[Collection(ServingCollection.Name)]
public sealed class CascadeRouterTests
{
    private static readonly ServingTopology Cascade = new(ServingRole.Cascade, TeacherIsRemote: false);

    [Theory]
    [InlineData(true, CascadeRoute.Auto)]
    [InlineData(false, CascadeRoute.StudentOnly)]
    public async Task ClassifyAsync_ConfidentOrStudentOnly_StudentAnswersAndTheTeacherIsNotAsked(bool confident, CascadeRoute route)
    {
        using var models = new TinyModels();
        var teacher = ScriptedTeacher.Answering(label: 2);
        await using var parts = await RouterParts.StartAsync(models, teacher, Cascade);
        var pixels = confident ? TinyModels.Confident : TinyModels.Unsure;

        var result = await parts.ClassifyAsync(pixels, route);

        Assert.Equal((Responder.Student, false, 0), (result.ServedBy, result.Degraded, result.Answer.Index));
        Assert.Equal(TinyModels.StudentConfidence(pixels), result.StudentConfidence, 4);
        Assert.Empty(teacher.Asked);
    }

    [Fact]
    public async Task ClassifyAsync_UnsureStudent_TeacherAnswersAndThePairIsCapturedAsFallback()
    {
        using var models = new TinyModels();
        var teacher = ScriptedTeacher.Answering(label: 2);
        await using var parts = await RouterParts.StartAsync(models, teacher, Cascade, capture: true);

        var result = await parts.ClassifyAsync(TinyModels.Unsure, requestId: "unsure-1");
        var record = Assert.Single(await parts.CapturedAsync());

        Assert.Equal((Responder.Teacher, 2, "t1"), (result.ServedBy, result.Answer.Index, result.Answer.Version));
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure), result.StudentConfidence, 4);
        Assert.Equal(["unsure-1"], teacher.Asked);
        Assert.Equal((SampleReason.Fallback, "unsure-1", TinyModels.StudentVersion, "t1"),
            (record.Reason, record.RequestId, record.StudentVersion, record.TeacherVersion));
        Assert.Equal(TinyModels.Unsure, record.Input);
    }

    [Fact]
    public async Task ClassifyAsync_UnsureStudentTeacherFails_StudentAnswersDegraded()
    {
        using var models = new TinyModels();
        await using var parts = await RouterParts.StartAsync(models, ScriptedTeacher.Failing(), Cascade);

        var result = await parts.ClassifyAsync(TinyModels.Unsure);

        Assert.Equal((Responder.Student, true, 0), (result.ServedBy, result.Degraded, result.Answer.Index));
    }

    [Fact]
    public async Task ClassifyAsync_TeacherOnlyRoute_TeacherAnswersWithoutCapture()
    {
        using var models = new TinyModels();
        var teacher = ScriptedTeacher.Answering(label: 1);
        await using var parts = await RouterParts.StartAsync(models, teacher, Cascade, capture: true);

        var result = await parts.ClassifyAsync(TinyModels.Confident, CascadeRoute.TeacherOnly);
        var records = await parts.CapturedAsync();

        Assert.Equal((Responder.Teacher, 1, 0f), (result.ServedBy, result.Answer.Index, result.StudentConfidence));
        Assert.Empty(records);
    }

    [Fact]
    public async Task ClassifyAsync_ConfidentWithShadowRateOne_TeacherAskedAfterwardsAndPairCapturedAsShadow()
    {
        using var models = new TinyModels();
        var teacher = ScriptedTeacher.Answering(label: 0);
        await using var parts = await RouterParts.StartAsync(models, teacher, Cascade, capture: true, shadowSampleRate: 1);

        var result = await parts.ClassifyAsync(TinyModels.Confident, requestId: "shadow-1");
        var asked = await teacher.FirstCall.WaitAsync(TimeSpan.FromSeconds(10));
        var record = Assert.Single(await parts.CapturedAsync());

        Assert.Equal(Responder.Student, result.ServedBy);
        Assert.Equal("shadow-1", asked);
        Assert.Equal((SampleReason.Shadow, "shadow-1"), (record.Reason, record.RequestId));
    }

    [Fact]
    public async Task ClassifyAsync_TeacherReplica_ItsTeacherAnswersAndStudentOnlyIsRefused()
    {
        using var models = new TinyModels();
        var teacher = ScriptedTeacher.Answering(label: 2);
        await using var parts = await RouterParts.StartAsync(models, teacher, new ServingTopology(ServingRole.Teacher, TeacherIsRemote: false));

        var result = await parts.ClassifyAsync(TinyModels.Unsure);
        var refused = await Assert.ThrowsAsync<InvalidInputException>(() => parts.ClassifyAsync(TinyModels.Unsure, CascadeRoute.StudentOnly));

        // The replica's own teacher (logits 20 * pixel) answers, not the one a cascade replica would call.
        Assert.Equal((Responder.Teacher, 0, TinyModels.TeacherVersion), (result.ServedBy, result.Answer.Index, result.Answer.Version));
        Assert.Empty(teacher.Asked);
        Assert.Contains("teachers only", refused.Message);
    }
}
