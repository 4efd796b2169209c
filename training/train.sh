#!/usr/bin/env bash
# Reproduces the fall model: builds the feature table with the detector's own TypeScript
# code, trains the per-fold and final models with Debian's PyTorch (each a 5-MLP ensemble
# distilled into one 80→48→24→1 MLP, the one exported), then prints the
# subject-wise cross-validated result.
#   FALLS_DATA  recorded trials (default ../shared/data/falls/umafall-wrist)
#   FALLS_WORK  scratch directory for the table (default /tmp/yiyang-falls)
# Needs Debian's python3-torch and python3-onnx (installed here when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  echo "falls:train: installing python3-torch python3-onnx (Debian)"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-torch python3-onnx >/dev/null
fi
DATA="${FALLS_DATA:-../shared/data/falls/umafall-wrist}"
WORK="${FALLS_WORK:-/tmp/yiyang-falls}"
# low priority: the machine is shared with test runs
nice -n 10 npx tsx training/build-dataset.ts --data "$DATA" --out "$WORK/dataset" \
  --variants 8 --synthetic 1 --seed 1
nice -n 10 /usr/bin/python3 training/train.py --data "$WORK/dataset" --out inference/models \
  --folds 6 --epochs 30 --syn-weight 1 --members 5 --hidden 64,32 --fall-weight 1 --seed 1 \
  --student 48,24 --soft 0.7 --student-epochs 60 --mix 1
# the sidecars in the repository's JSON style
npx biome format --write inference/models/fall.json inference/models/folds/manifest.json >/dev/null
npx tsx training/falls-eval.ts --data "$DATA" --cv inference/models/folds/manifest.json
