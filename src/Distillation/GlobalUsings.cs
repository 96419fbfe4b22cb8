// The dataset readers live in Serving.Datasets (shared with the load generator); training code uses them everywhere.
global using Serving.Datasets;
