using System.CommandLine;
using System.Globalization;
using LoadTest.Baseline;
using Serving.Contracts.Models;
using Serving.Datasets;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary><c>raw-throughput</c>: raw ONNX Runtime at saturation, the model's own ceiling on these cores.</summary>
internal static class RawThroughputCommand
{
    public static Command Create()
    {
        var command = new Command("raw-throughput",
            "Raw ONNX Runtime at saturation: N callers running batches back to back over one session; prints images/s");
        var repository = new Option<string>("--model-repo") { Description = "Model repository", DefaultValueFactory = _ => "models" };
        var name = new Option<string>("--model") { Description = "Model name", DefaultValueFactory = _ => "fashion-mnist" };
        var role = new Option<string>("--role") { Description = "student or teacher", DefaultValueFactory = _ => "student" };
        role.AcceptOnlyFromAmong(ModelRoleNames.Student, ModelRoleNames.Teacher);
        var data = new Option<string>("--data") { Description = "Dataset folder whose test images are used", Required = true };
        var batch = new Option<int>("--batch-size") { Description = "Images per run", DefaultValueFactory = _ => 32 };
        var callers = new Option<int>("--callers") { Description = "Threads running at once (0 = one per core over --intra-op-threads)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--intra-op-threads") { Description = "ONNX Runtime intra-op threads per run (0 = its default)", DefaultValueFactory = _ => 1 };
        var duration = new Option<TimeSpan>("--duration") { Description = "Measured time", CustomParser = DurationParser.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        foreach (var option in new Option[] { repository, name, role, data, batch, callers, threads, duration })
            command.Add(option);
        command.SetAction(parse =>
        {
            var path = OrtBaseline.FindModel(parse.GetValue(repository)!, parse.GetValue(name)!, ModelRoleNames.Parse(parse.GetValue(role)!) ?? ModelRole.Student);
            if (path is null || parse.GetValue(batch) < 1 || parse.GetValue(callers) < 0 || parse.GetValue(threads) < 0)
            {
                AnsiConsole.MarkupLine("[red]Error[/]: no such model, or a batch size below 1, or negative callers or threads");
                return 1;
            }
            var intraOp = parse.GetValue(threads);
            // As the service's automatic instance count: the cores this process may use over the threads of one run.
            var count = parse.GetValue(callers) is > 0 and var n ? n : Math.Max(1, Environment.ProcessorCount / Math.Max(1, intraOp));
            var test = DatasetLoader.LoadTestSplit(new DatasetOptions(parse.GetValue(data)!));
            var rate = OrtThroughput.Measure(path, test, parse.GetValue(batch), count, intraOp, parse.GetValue(duration));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"images/s: {rate:F0} ({count} callers, batch {parse.GetValue(batch)}, {intraOp} intra-op thread(s), {parse.GetValue(role)})"));
            return 0;
        });
        return command;
    }
}
