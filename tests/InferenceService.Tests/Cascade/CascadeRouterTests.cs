using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Input;
using InferenceService.Models;
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

    [Fact]
    public async Task ClassifyManyAsync_SeveralUnsureImages_TeacherAskedForThemAtOnceAndEachCaptured()
    {
        using var models = new TinyModels();
        // Answers only once both unsure images are inside it: asked one after another, the first would time out.
        var teacher = new GatheringTeacher(expected: 2, label: 2);
        await using var parts = await RouterParts.StartAsync(models, teacher, Cascade, capture: true);
        float[][] images = [TinyModels.Confident, TinyModels.Unsure, [0.2f, 0.15f, 0f, 0f]];

        var results = await parts.ClassifyManyAsync(images);
        var records = await parts.CapturedAsync();

        Assert.Equal([Responder.Student, Responder.Teacher, Responder.Teacher], results.Select(r => r.ServedBy));
        Assert.All(results, r => Assert.False(r.Degraded));
        Assert.Equal(2, teacher.MostInside);
        Assert.Equal(["r/1", "r/2"], records.Select(r => r.RequestId).Order());
        Assert.All(records, r => Assert.Equal(SampleReason.Fallback, r.Reason));
        for (var i = 0; i < images.Length; i++)
            Assert.Equal(TinyModels.StudentConfidence(images[i]), results[i].StudentConfidence, 4);
    }

    [Fact]
    public async Task ClassifyManyAsync_StudentOnlyRoute_EveryImageFromTheStudentTeacherNotAsked()
    {
        using var models = new TinyModels();
        var teacher = ScriptedTeacher.Answering(label: 2);
        await using var parts = await RouterParts.StartAsync(models, teacher, Cascade);

        var results = await parts.ClassifyManyAsync([TinyModels.Confident, TinyModels.Unsure], CascadeRoute.StudentOnly);

        Assert.Equal([Responder.Student, Responder.Student], results.Select(r => r.ServedBy));
        Assert.Equal([0, 0], results.Select(r => r.Answer.Index));
        Assert.Empty(teacher.Asked);
    }

    /// <summary>A teacher that holds each call until <c>expected</c> calls are inside it at once (10 s at most).</summary>
    private sealed class GatheringTeacher(int expected, int label) : ITeacher
    {
        private readonly TaskCompletionSource gathered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int inside;
        private int mostInside;

        public bool IsRemote => false;

        public int MostInside => Volatile.Read(ref mostInside);

        public async ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId,
            CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref mostInside, now);
            if (now >= expected)
                gathered.TrySetResult();
            try
            {
                await gathered.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                var probabilities = new float[model.Classes];
                probabilities[label] = 1f;
                return new Prediction(probabilities, "t1");
            }
            finally
            {
                Interlocked.Decrement(ref inside);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            var seen = Volatile.Read(ref target);
            while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
                seen = actual;
        }
    }
}
