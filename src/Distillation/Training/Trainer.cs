using System.Diagnostics;
using System.Globalization;
using Distillation.Architectures;
using Distillation.Data;
using Distillation.Inference;

namespace Distillation.Training;

/// <summary>
/// Trains a network on the training split, validating after every epoch: checkpoint per epoch, keep-best on
/// the accuracy on <see cref="DatasetSplits.Validation"/> (callers pass the selection part of the held-out images,
/// so the calibration part never picks the epoch), resume from the last completed epoch. With a teacher ensemble
/// it distills: the teachers see exactly the augmented batch the student sees.
/// </summary>
public sealed class Trainer(RunFolder run, ITrainingObserver observer)
{
    /// <param name="initialWeights">Weights to start from (fine-tuning a live student) instead of a fresh initialization.</param>
    public RunState Train(RunManifest manifest, DatasetSplits data, TeacherEnsemble? teachers, bool resume, CancellationToken cancellation,
        string? initialWeights = null)
    {
        var options = manifest.Training;
        options.Validate();
        var loss = manifest.Distillation ?? new DistillationLoss(Alpha: 0, LabelSmoothing: options.LabelSmoothing);
        loss.Validate();
        if (loss.Alpha > 0 && teachers is null)
            throw new ArgumentException("distillation with alpha > 0 needs at least one teacher");

        Directory.CreateDirectory(run.Root);
        torch.manual_seed(options.Seed);
        using var model = manifest.CreateModel();
        var state = new RunState();
        var trainData = options.LimitTrainSamples > 0 && options.LimitTrainSamples < data.Train.Count
            ? data.Train.Subset(Enumerable.Range(0, options.LimitTrainSamples).ToArray())
            : data.Train;
        var batchesPerEpoch = (trainData.Count + options.BatchSize - 1) / options.BatchSize;

        using var optimizer = CreateOptimizer(model, options);
        if (resume && run.HasState)
        {
            state = RunState.Load(run.State);
            model.load(run.LastWeights);
            if (File.Exists(run.LastOptimizer))
                optimizer.load_state_dict(run.LastOptimizer);
        }
        else
        {
            if (initialWeights is not null)
                model.load(initialWeights);
            manifest.Save(run.Manifest);
        }

        var schedule = new LearningRateSchedule(options.LearningRate, (long)options.Epochs * batchesPerEpoch,
            (long)Math.Round(options.WarmupEpochs * batchesPerEpoch));
        var augmentation = options.ResolveAugmentation(trainData);
        observer.RunStarted(state.CompletedEpochs + 1, options.Epochs, batchesPerEpoch);

        var history = state.History.ToList();
        for (var epoch = state.CompletedEpochs + 1; epoch <= options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            model.train();
            double lossSum = 0;
            long correct = 0, seen = 0;
            var batchIndex = 0;
            double rate = 0;
            foreach (var batch in BatchSampler.Training(trainData, options.BatchSize, augmentation, options.Seed, epoch))
            {
                cancellation.ThrowIfCancellationRequested();
                rate = schedule.At((long)(epoch - 1) * batchesPerEpoch + batchIndex);
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = rate;

                // One dispose scope per batch: every intermediate tensor is freed when the batch ends.
                using var scope = NewDisposeScope();
                var input = tensor(batch.Pixels, batch.TensorShape);
                var labels = tensor(batch.Labels);
                Tensor? soft = null;
                if (loss.Alpha > 0)
                    soft = tensor(teachers!.SoftTargets(batch.Pixels, batch.Count, loss.Temperature), [batch.Count, manifest.Architecture.Classes]);

                optimizer.zero_grad();
                var logits = model.forward(input);
                var value = loss.Compute(logits, soft, labels);
                value.backward();
                optimizer.step();

                var lossValue = value.item<float>();
                lossSum += lossValue * batch.Count;
                correct += logits.argmax(1).eq(labels).sum().item<long>();
                seen += batch.Count;
                observer.BatchCompleted(epoch, ++batchIndex, lossValue);
            }

            var (validationLoss, validationAccuracy) = Evaluate(model, data.Validation, options.BatchSize * 2);
            var isBest = validationAccuracy > state.BestValidationAccuracy || state.BestEpoch == 0;
            model.save(run.LastWeights);
            model.save(run.EpochWeights(epoch));
            optimizer.save_state_dict(run.LastOptimizer);
            if (isBest)
                model.save(run.BestWeights);

            var result = new EpochResult(epoch, lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen),
                validationLoss, validationAccuracy, rate, clock.Elapsed.TotalSeconds);
            history.Add(result);
            state = new RunState
            {
                CompletedEpochs = epoch,
                BestEpoch = isBest ? epoch : state.BestEpoch,
                BestValidationAccuracy = isBest ? validationAccuracy : state.BestValidationAccuracy,
                TotalSeconds = state.TotalSeconds + clock.Elapsed.TotalSeconds,
                History = history,
            };
            state.Save(run.State);
            WriteHistory(history);
            observer.EpochCompleted(result, isBest);
        }
        return state;
    }

    /// <summary>Mean cross-entropy and accuracy in eval mode (BatchNorm running statistics, no dropout).</summary>
    public static (double Loss, double Accuracy) Evaluate(SequentialNet model, ImageDataset data, int batchSize)
    {
        if (data.Count == 0)
            return (double.NaN, 0);
        model.eval();
        double lossSum = 0;
        long correct = 0;
        using var noGrad = no_grad();
        foreach (var batch in BatchSampler.Sequential(data, batchSize))
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(tensor(batch.Pixels, batch.TensorShape));
            var labels = tensor(batch.Labels);
            lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(labels).sum().item<long>();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }

    private static TorchSharp.Modules.OptimizerHelper CreateOptimizer(SequentialNet model, TrainingOptions options) => options.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(model.parameters(), options.LearningRate, momentum: options.Momentum,
            weight_decay: options.WeightDecay, nesterov: options.Momentum > 0),
        OptimizerKind.AdamW => optim.AdamW(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
    };

    private void WriteHistory(IEnumerable<EpochResult> history)
    {
        var lines = new List<string> { "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds" };
        lines.AddRange(history.Select(h => string.Join(',',
            h.Epoch.ToString(CultureInfo.InvariantCulture), F(h.TrainLoss), F(h.TrainAccuracy), F(h.ValidationLoss),
            F(h.ValidationAccuracy), F(h.LearningRate), F(h.Seconds))));
        File.WriteAllLines(run.History, lines);

        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
    }
}
