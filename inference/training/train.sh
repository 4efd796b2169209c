#!/usr/bin/env bash
# Reproduces the fall model: builds the feature table with the detector's own TypeScript
# code, trains the per-fold and final models with Debian's PyTorch, then prints the
# subject-wise cross-validated result.
#   FALLS_DATA  recorded trials (default ../shared/data/falls/umafall-wrist)
#   FALLS_WORK  scratch directory for the table (default /tmp/yiyang-falls)
# Needs: apt-get install -y python3-torch python3-onnx python3-sklearn
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${FALLS_DATA:-../shared/data/falls/umafall-wrist}"
WORK="${FALLS_WORK:-/tmp/yiyang-falls}"
# low priority: the machine is shared with test runs
nice -n 10 npx tsx inference/training/build-dataset.ts --data "$DATA" --out "$WORK/dataset" \
  --variants 5 --synthetic 1 --seed 1
nice -n 10 /usr/bin/python3 inference/training/train.py --data "$WORK/dataset" --out inference/models \
  --folds 6 --epochs 30 --syn-weight 1 --members 3 --seed 1
npx tsx inference/training/falls-eval.ts --data "$DATA" --cv inference/models/folds/manifest.json
