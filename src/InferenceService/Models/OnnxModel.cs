using InferenceService.Configuration;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using ModelMetadata = Serving.Contracts.Models.ModelMetadata;

namespace InferenceService.Models;

/// <summary>
/// One model version in one ONNX Runtime session, created once when the version is loaded and kept while it serves
/// (creation is expensive; <c>Run</c> is thread-safe); disposed when a newer version has replaced it and its last
/// request is done (see <see cref="LoadedModel"/>). Validated against the ONNX contract and its metadata when loaded.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private static readonly string[] InputNames = [OnnxModelContract.InputName];
    private static readonly string[] OutputNames = [OnnxModelContract.OutputName];
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    private OnnxModel(string name, ModelRole role, ModelFile file, InferenceSession session, ModelMetadata metadata, InputShape shape,
        ExecutionProvider executionProvider)
    {
        ExecutionProvider = executionProvider;
        Name = name;
        Role = role;
        Version = file.Version;
        Path = file.Path;
        this.session = session;
        Metadata = metadata;
        Shape = shape;
    }

    public string Name { get; }
    public ModelRole Role { get; }
    public string Version { get; }
    public string Path { get; }
    public ModelMetadata Metadata { get; }
    public InputShape Shape { get; }
    public int Classes => Metadata.Labels.Count;

    /// <summary>Where this session runs: the configured provider, or the CPU when it could not load and fallback is allowed.</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <param name="threading">Threads and spinning in place of the role's settings.</param>
    public static OnnxModel Load(string name, ModelRole role, ModelFile file, OnnxSessionFactory factory, SessionThreading? threading = null)
    {
        InferenceSession session;
        try
        {
            session = factory.Create(file.Path, role, threading);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidModelException($"{file.Path}: ONNX Runtime cannot load it: {e.Message}");
        }
        try
        {
            ModelMetadata metadata;
            try
            {
                metadata = ModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap);
            }
            catch (InvalidModelException e)
            {
                throw new InvalidModelException($"{file.Path}: {e.Message}");
            }
            if (metadata.Role != role)
                throw new InvalidModelException($"{file.Path}: metadata says role '{metadata.Role}' but the file is in the {role} folder");
            if (!session.InputMetadata.TryGetValue(OnnxModelContract.InputName, out var input) || input.Dimensions.Length != 4
                || input.ElementType != typeof(float))
                throw new InvalidModelException($"{file.Path}: expected a float32 4-d input named '{OnnxModelContract.InputName}'");
            if (input.Dimensions[1..].Any(d => d <= 0))
                throw new InvalidModelException($"{file.Path}: input dimensions C, H, W must be fixed, not [{string.Join(", ", input.Dimensions)}]");
            if (!session.OutputMetadata.TryGetValue(OnnxModelContract.OutputName, out var output) || output.Dimensions.Length != 2
                || output.ElementType != typeof(float))
                throw new InvalidModelException($"{file.Path}: expected a float32 2-d output named '{OnnxModelContract.OutputName}'");
            if (output.Dimensions[1] > 0 && output.Dimensions[1] != metadata.Labels.Count)
                throw new InvalidModelException(
                    $"{file.Path}: the model has {output.Dimensions[1]} classes but its metadata lists {metadata.Labels.Count} labels");
            var shape = new InputShape(input.Dimensions[1], input.Dimensions[2], input.Dimensions[3]);
            return new OnnxModel(name, role, file, session, metadata, shape, factory.Provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="batch"/> images from <paramref name="input"/> (NCHW) and writes [batch, classes] logits to
    /// <paramref name="logits"/>. Both buffers come from the caller's pool: ONNX Runtime reads and writes them in place.
    /// </summary>
    public void Run(Memory<float> input, int batch, Memory<float> logits)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            input[..(batch * Shape.Size)], [batch, Shape.Channels, Shape.Height, Shape.Width]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            logits[..(batch * Classes)], [batch, Classes]);
        session.Run(runOptions, InputNames, [inputValue], OutputNames, [outputValue]);
    }

    /// <summary>A binding of this session's input and output to fixed buffers; the caller owns and disposes it.</summary>
    internal OrtIoBinding CreateIoBinding() => session.CreateIoBinding();

    /// <summary>Runs over buffers bound in advance: no OrtValues, name lookups or allocations per call.</summary>
    internal void Run(OrtIoBinding binding) => session.RunWithBinding(runOptions, binding);

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }
}
