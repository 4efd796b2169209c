#!/usr/bin/env bash
# Reproduces the fall model: builds the feature table with the detector's own TypeScript
# code, trains the per-fold and final models with Debian's PyTorch (each a 3-MLP ensemble
# distilled into one 80→48→24→1 MLP, the one exported), then prints the subject-wise
# cross-validated result on each dataset.
#   FALLS_DATA  recorded datasets, comma-separated (default: UMAFall and FallAllD in ../shared/data/falls)
#   FALLS_OUT   where the model, its card and the fold models go (default inference/models)
#   FALLS_WORK  scratch directory for the table (default /tmp/yiyang-falls)
# Needs Debian's python3-torch and python3-onnx (installed here when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  echo "falls:train: installing python3-torch python3-onnx (Debian)"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-torch python3-onnx >/dev/null
fi
FALLS=../shared/data/falls
DATA="${FALLS_DATA:-$FALLS/umafall-wrist,$FALLS/fallalld-wrist}"
OUT="${FALLS_OUT:-inference/models}"
WORK="${FALLS_WORK:-/tmp/yiyang-falls}"
# low priority: the machine is shared with test runs
nice -n 10 npx tsx training/build-dataset.ts --data "$DATA" --out "$WORK/dataset" \
  --variants 4 --synthetic 1 --seed 1
nice -n 10 /usr/bin/python3 training/train.py --data "$WORK/dataset" --out "$OUT" \
  --folds 5 --epochs 20 --syn-weight 1 --members 3 --hidden 64,32 --fall-weight 1 --seed 1 \
  --student 48,24 --soft 0.7 --student-epochs 40 --mix 1
# the sidecars in the repository's JSON style (Biome formats files inside the repository only)
case "$(realpath "$OUT")" in
  "$PWD"/*) npx biome format --write "$OUT/fall.json" "$OUT/folds/manifest.json" >/dev/null ;;
esac
for d in ${DATA//,/ }; do
  echo "subject-wise CV on $(basename "$d"):"
  npx tsx training/falls-eval.ts --data "$d" --model "$OUT/fall.onnx" --cv "$OUT/folds/manifest.json" --quiet
done
