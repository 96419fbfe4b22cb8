namespace Serving.Datasets;

/// <summary>Bad data: the message names the file and what is wrong with it.</summary>
public sealed class DataFormatException(string path, string problem)
    : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
