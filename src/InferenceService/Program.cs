using InferenceService;
using InferenceService.Models;
using InferenceService.Telemetry;

var builder = WebApplication.CreateBuilder(ContentRoot.Options(args));

builder.AddServingEndpoints();
builder.AddServingTelemetry();
builder.AddApplicationServices();
builder.AddExecutionProviderCheck();

var app = builder.Build();

app.MapServingTelemetry();
app.MapApplicationEndpoints();

app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
