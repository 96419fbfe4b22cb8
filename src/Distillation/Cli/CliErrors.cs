using Distillation.Data;
using Serving.Contracts.Models;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>A usage problem the user can fix; printed without a stack trace.</summary>
internal sealed class CliException(string message) : Exception(message);

internal static class CliErrors
{
    /// <summary>Runs a command body: expected failures become one clear line and exit code 1 (2 for bad data).</summary>
    public static int Guard(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (DataFormatException e)
        {
            AnsiConsole.MarkupLine($"[red]Bad data[/]: {Markup.Escape(e.Message)}");
            return 2;
        }
        catch (Exception e) when (e is CliException or InvalidModelException or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            AnsiConsole.MarkupLine($"[red]Error[/]: {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled[/]: the last completed epoch is saved; --resume continues from it");
            return 130;
        }
    }
}
