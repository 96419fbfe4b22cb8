using InferenceService.Configuration;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Configuration;

public sealed class OnnxRuntimeOptionsTests
{
    [Fact]
    public void IntraOpThreadsFor_RoleOverrideSet_WinsOverTheShared()
    {
        var options = new OnnxRuntimeOptions { IntraOpThreads = 4, StudentIntraOpThreads = 1 };

        Assert.Equal(1, options.IntraOpThreadsFor(ModelRole.Student));
        Assert.Equal(4, options.IntraOpThreadsFor(ModelRole.Teacher));
    }

    [Fact]
    public void IntraOpThreadsFor_NoOverrides_TheSharedSetting() =>
        Assert.Equal(0, new OnnxRuntimeOptions().IntraOpThreadsFor(ModelRole.Teacher));
}
