"""A one-minute estimate of what a training choice does on a dataset the model never saw.

`falls:lodo` answers that for the full recipe in 4–25 min (by machine); this answers it for
one plain model in about a minute, so that choices (features, synthetic share or the synthetic
falls left out, the loss's spread across people, several networks averaged, a learned model over
the window itself) can be compared before a recipe is changed. It trains one network on the
table's rows of every dataset but `--held` (all replays and, weighted by `--syn-weight`, the
synthetic trials) and scores the held-out dataset as recorded (replay 0), per trial as
`falls:eval` counts them (a fall's windows more than 1 s before its impact do not detect it).
It prints sensitivity and specificity at fixed thresholds and, as the measure of ranking
that no threshold rule can mend, sensitivity at specificity 0.90 / 0.93 / 0.95 read off the
held-out scores themselves (not a threshold the recipe could choose).

`--held cv` asks the same within the datasets: subject-wise CV over the recorded subjects with
train.py's folds (5), every recorded trial scored by the network that never saw its subject;
the figures per dataset (the issue's CV target: ≥ 0.93 at specificity ≥ 0.95 on each).

Table: build-dataset.ts (with --channels for --model cnn or both). Run with Debian's Python:
  npx tsx training/build-dataset.ts --data A,B --out /tmp/yiyang-falls/probe --variants 4 --synthetic 1 --channels
  /usr/bin/python3 training/transfer-probe.py --data /tmp/yiyang-falls/probe --held fallalld-wrist
"""
import argparse
import csv
import json
import os
import re

import numpy as np
import torch
from torch import nn

from train import loss_groups, rex_penalty, subject_folds, trial_scores, weights

torch.set_num_threads(1)


class WindowNet(nn.Module):
    """A 1-D CNN over the window's channels (160 samples at 20 Hz → 10 after four poolings),
    its output beside the hand features (`with_hand`) or alone, then a small head."""

    def __init__(self, channels, length, hand, with_hand):
        super().__init__()
        self.with_hand = with_hand
        layers, width = [], channels
        for out in (16, 32, 32, 32):
            layers += [nn.Conv1d(width, out, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2)]
            width = out
        self.conv = nn.Sequential(*layers)
        flat = 32 * (length // 16) + (hand if with_hand else 0)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, xc, xh):
        z = self.conv(xc).flatten(1)
        return self.head(torch.cat([z, xh], 1) if self.with_hand else z).squeeze(-1)


class HandNet(nn.Module):
    """The recipe's teacher shape (hand features → 64 → 32 → 1), with optional dropout."""

    def __init__(self, hand, dropout):
        super().__init__()
        self.body = nn.Sequential(nn.Dropout(dropout / 2), nn.Linear(hand, 64), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(64, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 1))

    def forward(self, xc, xh):
        return self.body(xh).squeeze(-1)


def fit(a, Xh, Xc, cols, train, seed):
    """One network on the `train` rows (weights as the recipe's); returns the function that scores rows `sel`."""
    w = weights(cols, train, a.syn_weight if a.syn_weight > 0 else 1.0)
    mean, std = Xh[train].mean(0), Xh[train].std(0) + 1e-3
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    C, L = Xc.shape[1], Xc.shape[2]
    net = HandNet(Xh.shape[1], a.dropout) if a.model == 'mlp' else WindowNet(C, L, Xh.shape[1], a.model == 'both')
    xc_t, xh_t = torch.tensor(Xc[train]), torch.tensor((Xh[train] - mean) / std)
    y_t, w_t = torch.tensor(cols['label'][train].astype(np.float32)), torch.tensor(w.astype(np.float32))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=a.weight_decay)
    n, bs = len(y_t), 256
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs * ((n + bs - 1) // bs))
    lossf = nn.BCEWithLogitsLoss(reduction='none')
    g_t = torch.tensor(loss_groups(cols['group'][train], cols['label'][train]))
    for _ in range(a.epochs):
        net.train()
        perm = torch.tensor(rng.permutation(n))
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xh = xh_t[idx] + 0.02 * torch.randn(len(idx), Xh.shape[1])
            per = lossf(net(xc_t[idx], xh), y_t[idx]) * w_t[idx]
            loss = per.sum() / w_t[idx].sum()
            if a.rex > 0:
                loss = loss + a.rex * rex_penalty(per, w_t[idx], g_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    net.eval()

    def probability(sel):
        with torch.no_grad():
            return torch.sigmoid(net(torch.tensor(Xc[sel]), torch.tensor((Xh[sel] - mean) / std))).numpy()

    return probability


def report(label, fall, s):
    """Sensitivity and specificity at fixed thresholds, and sensitivity at fixed specificities."""
    print(f'{label}: {fall.sum()} falls and {(~fall).sum()} activities')
    for th in (0.3, 0.5, 0.7, 0.9):
        print(f'  threshold {th}: sensitivity {(s[fall] >= th).mean():.3f} specificity {(s[~fall] < th).mean():.3f}')
    for sp in (0.90, 0.93, 0.95):
        th = np.quantile(s[~fall], sp)
        print(f'  at specificity {sp:.2f}: sensitivity {(s[fall] > th).mean():.3f} (threshold {th:.3f})')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True, help='table written by build-dataset.ts')
    ap.add_argument('--held', required=True,
                    help='dataset left out and scored, e.g. fallalld-wrist; cv: subject-wise CV within the datasets')
    ap.add_argument('--model', choices=('mlp', 'cnn', 'both'), default='mlp')
    ap.add_argument('--syn-weight', type=float, default=1.0, help='0 leaves the synthetic trials out')
    ap.add_argument('--columns', default='', help='hand features whose name matches this regex (re.search)')
    ap.add_argument('--dropout', type=float, default=0.0)
    ap.add_argument('--weight-decay', type=float, default=1e-3)
    ap.add_argument('--epochs', type=int, default=20)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--rex', type=float, default=0.0,
                    help='weight of the loss variance across subjects × label (V-REx); 0: plain loss')
    ap.add_argument('--no-syn-falls', action='store_true',
                    help='train on the synthetic activities but not the synthetic falls (scored afterwards)')
    ap.add_argument('--ensemble', type=int, default=1,
                    help='average the scores of this many networks (seeds seed, seed + 100, …)')
    a = ap.parse_args()
    if a.ensemble < 1:
        ap.error(f'--ensemble {a.ensemble}: at least one network')

    meta = json.load(open(os.path.join(a.data, 'features.json')))
    names = meta['names']
    C, L = len(meta.get('channels', [])), meta.get('channelLength', 0)
    if a.model != 'mlp' and not C:
        ap.error(f'{a.data} has no window channels: build it with --channels')
    X = np.fromfile(os.path.join(a.data, 'X.f32'), dtype='<f4').reshape(-1, len(names) + C * L)
    with open(os.path.join(a.data, 'rows.csv')) as f:
        rows = list(csv.DictReader(f))
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    for k in ('label', 'variant', 'elderly'):
        cols[k] = cols[k].astype(int)
    with open(os.path.join(a.data, 'trials.csv')) as f:
        trials = list(csv.DictReader(f))
    dataset = np.array([g.split('/')[0] if '/' in g else 'syn' for g in cols['group']])
    recorded = sorted(set(dataset) - {'syn'})
    if a.held != 'cv' and a.held not in recorded:
        ap.error(f'no dataset {a.held} in {a.data} (has {recorded}; or cv)')

    keep = [i for i, n in enumerate(names) if re.search(a.columns, n)] if a.columns else list(range(len(names)))
    Xh = X[:, keep]
    Xc = X[:, len(names):].reshape(-1, C, L) if C else np.zeros((len(X), 0, 0), dtype=np.float32)
    labelled = cols['label'] >= 0
    if a.syn_weight == 0:
        labelled &= dataset != 'syn'
    if a.no_syn_falls:
        labelled &= ~((dataset == 'syn') & (cols['label'] == 1))
    setup = (f'{a.model}, {len(keep)} hand features, synthetic weight {a.syn_weight}'
             f'{" without its falls" if a.no_syn_falls else ""}, rex {a.rex}, seed {a.seed}'
             f'{f", {a.ensemble} networks averaged" if a.ensemble > 1 else ""}')

    def fit_all(train, seed):
        nets = [fit(a, Xh, Xc, cols, train, seed + 100 * e) for e in range(a.ensemble)]
        return nets[0] if len(nets) == 1 else lambda sel: np.mean([p(sel) for p in nets], axis=0)

    def trial_array(sel, p, keep_trial):
        ts = trial_scores(cols, sel, p, trials, keep_trial)
        return np.array([v[0] for v in ts.values()]), np.array([v[1] for v in ts.values()])

    if a.held == 'cv':
        # every recorded trial (as recorded) scored by the fold network that never saw its subject
        scored = {d: ([], []) for d in recorded}
        for k, held in enumerate(subject_folds(cols['group'][dataset != 'syn'], 5)):
            out = np.isin(cols['group'], held)
            probability = fit_all(labelled & ~out, a.seed * 10 + k)
            test = out & (cols['variant'] == 0)
            for d in recorded:
                fall, s = trial_array(test, probability(test),
                                      lambda t, d=d, held=set(held): t['group'] in held and t['variant'] == '0'
                                      and t['trial'].startswith(d + '/'))
                scored[d][0].append(fall)
                scored[d][1].append(s)
        for d in recorded:
            report(f'{setup}: subject-wise CV, {d}', np.concatenate(scored[d][0]), np.concatenate(scored[d][1]))
        return

    probability = fit_all(labelled & (dataset != a.held), a.seed)
    test = (dataset == a.held) & (cols['variant'] == 0)
    fall, s = trial_array(test, probability(test),
                          lambda t: t['trial'].startswith(a.held + '/') and t['variant'] == '0')
    report(f'{setup}: trained without {a.held}, scored on it', fall, s)
    syn = dataset == 'syn'
    if not syn.any() or (a.syn_weight > 0 and not a.no_syn_falls):
        return
    # the synthetic rows scored once, by wearer age: trials never trained on, or falls never trained on
    p_syn = probability(syn)
    by_age = [('older', '1'), ('younger', '0')]
    scored = {who: trial_array(syn, p_syn, lambda t, o=o: t['origin'] == 'syn' and t['elderly'] == o)
              for who, o in by_age}
    if a.syn_weight == 0:
        for who, (f2, s2) in scored.items():
            print(f'  synthetic trials never trained on, {who} wearers, '
                  f'threshold 0.5: sensitivity {(s2[f2] >= 0.5).mean():.3f} specificity {(s2[~f2] < 0.5).mean():.3f}')
    if a.no_syn_falls:
        # what leaving them out costs: the simulated falls the district simulator also plays
        at93 = np.quantile(s[~fall], 0.93)
        for who, (f2, s2) in scored.items():
            print(f'  synthetic falls never trained on, {who} wearers: sensitivity '
                  f'at 0.5 {(s2[f2] >= 0.5).mean():.3f}, at the threshold of specificity 0.93 on {a.held} '
                  f'{(s2[f2] > at93).mean():.3f}')

if __name__ == '__main__':
    main()
