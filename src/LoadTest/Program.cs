using LoadTest.Cli;

return await LoadTestCli.Create().Parse(args).InvokeAsync();
