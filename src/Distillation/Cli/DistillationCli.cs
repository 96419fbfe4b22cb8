using System.CommandLine;

namespace Distillation.Cli;

/// <summary>The tool's command tree (Program.cs runs it; tests invoke it in-process).</summary>
public static class DistillationCli
{
    public static RootCommand Create() => new("Train a teacher, distill a student, export both to ONNX, evaluate and calibrate the cascade, quantize to int8")
    {
        TrainCommands.TrainTeacher(),
        TrainCommands.Distill(),
        ExportCommand.Create(),
        EvaluateCommand.Create(),
        CalibrateCommand.Create(),
        RedistillCommand.Create(),
        QuantizeCommand.Create(),
        CompareCommand.Create(),
        ShiftCommand.Create(),
    };
}
