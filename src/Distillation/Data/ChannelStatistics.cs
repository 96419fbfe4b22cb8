namespace Distillation.Data;

/// <summary>Per-channel mean and standard deviation of the training pixels in [0, 1], for the model's input layer.</summary>
public static class ChannelStatistics
{
    public static (float[] Mean, float[] Std) Compute(ImageDataset data)
    {
        var c = data.Shape.Channels;
        var plane = data.Shape.Height * data.Shape.Width;
        var sum = new double[c];
        var sumSquares = new double[c];
        for (var i = 0; i < data.Count; i++)
        {
            var image = data.Image(i);
            for (var ch = 0; ch < c; ch++)
            {
                foreach (var b in image.Slice(ch * plane, plane))
                {
                    var v = b / 255.0;
                    sum[ch] += v;
                    sumSquares[ch] += v * v;
                }
            }
        }
        var n = (double)data.Count * plane;
        var mean = new float[c];
        var std = new float[c];
        for (var ch = 0; ch < c; ch++)
        {
            var m = n > 0 ? sum[ch] / n : 0;
            var variance = n > 0 ? sumSquares[ch] / n - m * m : 1;
            mean[ch] = (float)m;
            // A constant channel would divide by zero; 1 keeps it as is.
            std[ch] = variance > 1e-8 ? (float)Math.Sqrt(variance) : 1f;
        }
        return (mean, std);
    }
}
