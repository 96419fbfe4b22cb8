using System.CommandLine;

namespace Distillation.Cli;

/// <summary>
/// The dataset as command-line options: where the images are, how to read them, and how the validation split is cut
/// (<see cref="DatasetOptions"/>). Declared once, so every command that reads a dataset reads it the same way.
/// </summary>
internal sealed class DatasetOptionSet
{
    public Option<string> Data { get; } = CommonOptions.Data();
    public Option<DatasetFormat> Format { get; } = CommonOptions.Format();
    public Option<ColorMode> Color { get; } = CommonOptions.Color();
    public Option<double> ValidationFraction { get; } = CommonOptions.ValidationFraction();
    public Option<int> SplitSeed { get; } = CommonOptions.SplitSeed();

    public IEnumerable<Option> All => [Data, Format, Color, ValidationFraction, SplitSeed];

    public DatasetOptions Read(ParseResult parse) =>
        CommonOptions.DatasetOptions(parse, Data, Format, Color, ValidationFraction, SplitSeed);

    /// <summary>Reads the dataset and cuts its splits.</summary>
    public DatasetSplits Load(ParseResult parse) => DatasetLoader.Load(Read(parse));
}
