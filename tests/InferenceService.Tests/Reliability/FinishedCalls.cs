using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Tells a test when the server is done with a call: outermost in the request pipeline, it reports a request's path
/// once everything inside (the gRPC handler, interceptors, their logging) has returned, which can be after the client
/// already has its answer (a deadline, a reset). Register it as an <see cref="IStartupFilter"/>.
/// </summary>
internal sealed class FinishedCalls : IStartupFilter
{
    private readonly Channel<string> finished = Channel.CreateUnbounded<string>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, call) =>
        {
            try
            {
                await call(context);
            }
            finally
            {
                finished.Writer.TryWrite(context.Request.Path);
            }
        });
        next(app);
    };

    /// <summary>The path of the next call the server finished (bounded wait).</summary>
    public async Task<string> NextAsync() => await finished.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
}
