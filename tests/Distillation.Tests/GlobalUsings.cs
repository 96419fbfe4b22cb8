global using Serving.Datasets;
