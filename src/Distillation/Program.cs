using System.CommandLine;
using Distillation.Cli;

var root = new RootCommand("Train a teacher, distill a student, export both to ONNX, evaluate and calibrate the cascade")
{
    TrainCommands.TrainTeacher(),
    TrainCommands.Distill(),
    ExportCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
