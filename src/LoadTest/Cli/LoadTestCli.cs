using System.CommandLine;

namespace LoadTest.Cli;

public static class LoadTestCli
{
    public static RootCommand Create() => new("Load generator and client for the inference service")
    {
        RunCommand.Create(),
        BaselineCommand.Create(),
        ClassifyCommand.Create(),
        SummarizeCommand.Create(),
        EchoServerCommand.Create(),
        FrameCommand.Create(),
        RawThroughputCommand.Create(),
        WatchCommand.Create(),
    };
}
