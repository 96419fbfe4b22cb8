// The dataset readers live in Serving.Datasets (shared with the load generator); training code uses them everywhere.
global using Serving.Datasets;
// TorchSharp is what the models, training loops and export are written in: as in TorchSharp's own examples, torch's
// types and functions (Tensor, nn, zeros, cat) read unqualified in every file.
global using TorchSharp;
global using static TorchSharp.torch;
