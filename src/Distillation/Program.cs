using Distillation.Cli;

return await DistillationCli.Create().Parse(args).InvokeAsync();
