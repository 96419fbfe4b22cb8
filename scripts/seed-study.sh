#!/usr/bin/env bash
# Issue 2's claim "distillation helps": three seeds each of the distilled student (alpha 0.9) and the same student
# trained without a teacher (alpha 0), one recipe, evaluated on the Fashion-MNIST test split. Runs that already
# finished (8 epochs in history.csv) are not trained again, so the script can be resumed after an interruption.
#
#   scripts/seed-study.sh [DATA_DIR] [TEACHER_ONNX]
#
# Writes runs/<name>/{model.onnx,report/} per run and prints a markdown table with the means.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/datasets/fashion-mnist}
TEACHER=${2:-models/fashion-mnist/teacher/1/model.onnx}
EPOCHS=8
D=src/Distillation/bin/Release/net10.0/linux-x64/Distillation
[ -x "$D" ] || dotnet build -c Release src/Distillation >/dev/null
mkdir -p runs

train() { # name alpha seed
  local name=$1 alpha=$2 seed=$3
  if [ -f "runs/$name/history.csv" ] && [ "$(($(wc -l < "runs/$name/history.csv") - 1))" -ge $EPOCHS ]; then return; fi
  local resume=()
  [ -f "runs/$name/last.pt" ] && resume=(--resume)
  echo "training $name (alpha $alpha, seed $seed), log in runs/$name.log" >&2
  "$D" distill --data "$DATA" --teacher "$TEACHER" --arch cnn --epochs $EPOCHS --seed "$seed" --alpha "$alpha" \
    --out "runs/$name" "${resume[@]}" > "runs/$name.log" 2>&1
}

evaluate() { # name
  local name=$1
  [ -f "runs/$name/report/report.json" ] && return
  "$D" export --run "runs/$name" --out "runs/$name/model.onnx" > /dev/null
  "$D" evaluate --model "runs/$name/model.onnx" --teacher "$TEACHER" --data "$DATA" \
    --out "runs/$name/report" --no-latency > /dev/null
}

for seed in 1 2 3; do
  for kind in kd base; do
    alpha=$([ $kind = kd ] && echo 0.9 || echo 0)
    train "fmnist-student-$kind-s$seed" "$alpha" "$seed"
    evaluate "fmnist-student-$kind-s$seed"
  done
done

echo "| run | alpha | seed | best validation | test accuracy | agreement with teacher |"
echo "|---|---|---|---|---|---|"
for kind in kd base; do
  for seed in 1 2 3; do
    name=fmnist-student-$kind-s$seed
    val=$(tail -n +2 "runs/$name/history.csv" | cut -d, -f5 | sort -g | tail -1)
    jq -r --arg n "$name" --arg a "$([ $kind = kd ] && echo 0.9 || echo 0)" --arg s $seed --arg v "$val" \
      '"| \($n) | \($a) | \($s) | \(($v|tonumber)*100*100|round/100)% | \(.metrics.accuracy*100*100|round/100)% | \(.agreement_with_teacher*100*100|round/100)% |"' \
      "runs/$name/report/report.json"
  done
done
for kind in kd base; do
  jq -s --arg k $kind '"mean test accuracy (\($k)): \((map(.metrics.accuracy)|add/length)*100*1000|round/1000)%"' -r \
    runs/fmnist-student-$kind-s{1,2,3}/report/report.json
done
