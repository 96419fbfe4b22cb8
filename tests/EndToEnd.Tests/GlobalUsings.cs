// The dataset types (ImageDataset, DatasetLoader) live in Serving.Datasets, shared by the tool and the load generator.
global using Serving.Datasets;
