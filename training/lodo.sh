#!/usr/bin/env bash
# Leave one dataset out: for each recorded dataset, the training recipe (train.sh, threshold
# chosen on its own folds) runs on the other datasets only, and falls:eval scores the model it
# gives on the dataset it never saw. This is the figure that says what the detector does on
# people and watches it was not trained on.
#   FALLS_DATA  datasets, comma-separated (default: UMAFall and FallAllD); FALLS_WORK scratch
set -euo pipefail
cd "$(dirname "$0")/.."
FALLS=../shared/data/falls
DATA="${FALLS_DATA:-$FALLS/umafall-wrist,$FALLS/fallalld-wrist}"
WORK="${FALLS_WORK:-/tmp/yiyang-falls}"
IFS=, read -r -a sets <<<"$DATA"
for out in "${sets[@]}"; do
  rest=()
  for d in "${sets[@]}"; do [[ "$d" == "$out" ]] || rest+=("$d"); done
  name=$(basename "$out")
  dir="$WORK/without-$name"
  FALLS_DATA=$(IFS=,; echo "${rest[*]}") FALLS_OUT="$dir/models" FALLS_WORK="$dir" bash training/train.sh
  echo "trained without $name, tested on it:"
  npx tsx training/falls-eval.ts --data "$out" --model "$dir/models/fall.onnx" | tee "$dir/eval.txt"
done
echo "leave one dataset out (threshold from the training datasets' own folds):"
for out in "${sets[@]}"; do
  name=$(basename "$out")
  echo "  without $name, on it: $(tail -n 1 "$WORK/without-$name/eval.txt")"
done
