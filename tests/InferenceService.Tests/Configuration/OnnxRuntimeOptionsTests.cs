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
    public void IntraOpThreadsFor_NothingSet_OneThreadPerRunForBothRoles()
    {
        var options = new OnnxRuntimeOptions();

        Assert.Equal(1, options.IntraOpThreadsFor(ModelRole.Student));
        Assert.Equal(1, options.IntraOpThreadsFor(ModelRole.Teacher));
    }

    [Fact]
    public void IntraOpThreadsFor_OnlySharedSet_BothRolesUseIt()
    {
        var options = new OnnxRuntimeOptions { IntraOpThreads = 0 };

        Assert.Equal(0, options.IntraOpThreadsFor(ModelRole.Student));
        Assert.Equal(0, options.IntraOpThreadsFor(ModelRole.Teacher));
    }
}
