"""Trains the wrist fall model (a small MLP on orientation-invariant window features).

Reads the table written by build-dataset.ts, trains one model per subject-wise fold (each
never sees the recorded subjects it is scored on) and a final model on every subject, and
exports them to ONNX with the feature standardisation inside the graph. Each model is an
ensemble of MLPs or, with --student, one small MLP distilled from that ensemble on the same
training rows (only the student is exported).

Run with Debian's Python (python3-torch, python3-onnx, python3-sklearn):
  /usr/bin/python3 training/train.py --data /tmp/yiyang-falls/dataset --out inference/models
"""
import argparse
import csv
import json
import os
import re
import sys

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)


def load(data_dir):
    meta = json.load(open(os.path.join(data_dir, 'features.json')))
    names = meta['names']
    X = np.fromfile(os.path.join(data_dir, 'X.f32'), dtype='<f4').reshape(-1, len(names))
    with open(os.path.join(data_dir, 'rows.csv')) as f:
        rows = list(csv.DictReader(f))
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0].keys()}
    cols['label'] = cols['label'].astype(int)
    cols['variant'] = cols['variant'].astype(int)
    cols['elderly'] = cols['elderly'].astype(int)
    with open(os.path.join(data_dir, 'trials.csv')) as f:
        trials = list(csv.DictReader(f))
    return X, cols, meta, trials


def subject_folds(groups, k):
    """Greedy: subjects with most rows first, each to the fold with the fewest rows."""
    subjects, counts = np.unique(groups, return_counts=True)
    order = np.argsort(-counts)
    folds = [[] for _ in range(k)]
    load_ = np.zeros(k)
    for i in order:
        f = int(np.argmin(load_))
        folds[f].append(str(subjects[i]))
        load_[f] += counts[i]
    return [sorted(f) for f in folds]


class FallNet(nn.Module):
    def __init__(self, mean, std, hidden=(32, 16), dropout=0.0):
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32))
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32))
        layers = []
        width = len(mean)
        for i, h in enumerate(hidden):
            # dropout (training only) on what each layer reads, half on the inputs: a model that
            # leans on no single feature transfers better to another dataset (transfer-probe.py)
            layers += ([nn.Dropout(dropout / 2 if i == 0 else dropout)] if dropout else [])
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers += [nn.Dropout(dropout)] if dropout else []
        layers += [nn.Linear(width, 1)]
        self.body = nn.Sequential(*layers)

    def logits(self, x):
        return self.body((x - self.mean) / self.std).squeeze(-1)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def train_model(X, y, w, seed, epochs, hidden, teacher=None, soft=0.5, mix=0.0, dropout=0.0, weight_decay=1e-3,
                groups=None, rex=0.0):
    """One MLP on the labels or, with `teacher`, distilled from it on the same training rows:
    the target is `soft` × the teacher's probability on the (jittered) row + the rest from
    the label. With `mix`, each batch also carries as many rows interpolated between random
    pairs of its rows (share drawn uniformly), scored by the teacher alone and weighted `mix`:
    the student learns the teacher's function between the training rows, not only on them."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mean = X.mean(0)
    std = X.std(0) + 1e-3
    net = FallNet(mean, std, hidden, dropout)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=weight_decay)
    Xt = torch.tensor(X)
    yt = torch.tensor(y, dtype=torch.float32)
    wt = torch.tensor(w, dtype=torch.float32)
    n = len(y)
    bs = 512
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * ((n + bs - 1) // bs))
    lossf = nn.BCEWithLogitsLoss(reduction='none')
    gt = torch.tensor(groups) if rex > 0 else None
    if teacher is not None:
        teacher.eval()
    for _ in range(epochs):
        net.train()
        perm = torch.tensor(rng.permutation(n))
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb = Xt[idx]
            xb = xb + 0.02 * torch.randn_like(xb) * net.std  # feature jitter: do not fit exact values
            target = yt[idx]
            wb = wt[idx]
            if teacher is not None:
                with torch.no_grad():
                    target = soft * teacher(xb) + (1 - soft) * target
                if mix > 0:
                    pair = torch.randperm(len(idx))
                    lam = torch.rand(len(idx), 1)
                    xm = lam * xb + (1 - lam) * xb[pair]
                    with torch.no_grad():
                        tm = teacher(xm)
                    xb = torch.cat([xb, xm], 0)
                    target = torch.cat([target, tm], 0)
                    wb = torch.cat([wb, mix * (lam[:, 0] * wb + (1 - lam[:, 0]) * wb[pair])], 0)
            per = lossf(net.logits(xb), target) * wb
            loss = per.sum() / wb.sum()
            if rex > 0:
                loss = loss + rex * rex_penalty(per[:len(idx)], wb[:len(idx)], gt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    net.eval()
    return net


class Ensemble(nn.Module):
    """Mean probability of a few MLPs trained from different seeds: steadier on new people."""

    def __init__(self, nets):
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, x):
        return torch.stack([n(x) for n in self.nets], 0).mean(0)


def loss_groups(group, label):
    """Each row's group for `rex_penalty`, as an index: its subject (or synthetic wearer group) and
    its label, so that one person's falls and their activities are groups of their own."""
    return np.unique(np.char.add(np.char.add(group, ':'), label.astype(str)), return_inverse=True)[1]


def rex_penalty(per, w, g):
    """V-REx (Krueger et al. 2021): the variance across the batch's groups of their weighted mean loss.
    Added to the loss, it penalises a model that fits some people's falls far better than others', in
    the hope that what holds for every person holds for other datasets too (transfer-probe.py)."""
    by_group = torch.zeros(int(g.max()) + 1).index_add(0, g, per)
    weight = torch.zeros_like(by_group).index_add(0, g, w)
    present = weight > 0
    return (by_group[present] / weight[present]).var() if present.sum() > 1 else per.new_zeros(())


def train_ensemble(X, y, w, seed, epochs, hidden, members, dropout=0.0, weight_decay=1e-3, groups=None, rex=0.0):
    return Ensemble([train_model(X, y, w, seed * 1000 + i, epochs, hidden, dropout=dropout, weight_decay=weight_decay,
                                 groups=groups, rex=rex)
                     for i in range(members)]).eval()


class FusedEnsemble(nn.Module):
    """The same function as an Ensemble, laid out for inference: the standardisation folded
    into the first layer, the members' first layers as one wide matrix product and the later
    layers as one batched product over members. Fewer, larger operations: the exported graph
    is smaller and faster per window than one branch per member."""

    def __init__(self, ensemble):
        super().__init__()
        firsts, rests = [], []
        for net in ensemble.nets:
            linears = [m for m in net.body if isinstance(m, nn.Linear)]
            w = linears[0].weight.detach() / net.std  # (h, F): W (x - mean) / std
            b = linears[0].bias.detach() - w @ net.mean
            firsts.append((w, b))
            rests.append(linears[1:])
        self.members = len(firsts)
        self.width = firsts[0][0].shape[0]
        self.register_buffer('w1', torch.cat([w for w, _ in firsts], 0).t().contiguous())  # (F, M·h)
        self.register_buffer('b1', torch.cat([b for _, b in firsts], 0))
        self.ws = []
        self.bs = []
        for k in range(len(rests[0])):
            wk = torch.stack([r[k].weight.detach().t() for r in rests], 0)  # (M, in, out)
            bk = torch.stack([r[k].bias.detach() for r in rests], 0).unsqueeze(1)  # (M, 1, out)
            self.register_buffer(f'w{k + 2}', wk.contiguous())
            self.register_buffer(f'b{k + 2}', bk.contiguous())
            self.ws.append(f'w{k + 2}')
            self.bs.append(f'b{k + 2}')

    def forward(self, x):
        h = torch.relu(x @ self.w1 + self.b1)  # (N, M·h)
        h = h.reshape(-1, self.members, self.width).transpose(0, 1)  # (M, N, h)
        for k, (wn, bn) in enumerate(zip(self.ws, self.bs)):
            h = torch.matmul(h, getattr(self, wn)) + getattr(self, bn)
            if k < len(self.ws) - 1:
                h = torch.relu(h)
        return torch.sigmoid(h).mean(0).squeeze(-1)


class FoldedNet(nn.Module):
    """One FallNet laid out for inference: the standardisation folded into the first layer."""

    def __init__(self, net):
        super().__init__()
        linears = [m for m in net.body if isinstance(m, nn.Linear)]
        w = linears[0].weight.detach() / net.std
        b = linears[0].bias.detach() - w @ net.mean
        self.register_buffer('w1', w.t().contiguous())
        self.register_buffer('b1', b.contiguous())
        self.n = len(linears)
        for k, lin in enumerate(linears[1:]):
            self.register_buffer(f'w{k + 2}', lin.weight.detach().t().contiguous())
            self.register_buffer(f'b{k + 2}', lin.bias.detach().contiguous())

    def forward(self, x):
        h = x @ self.w1 + self.b1
        for k in range(2, self.n + 1):
            h = torch.relu(h) @ getattr(self, f'w{k}') + getattr(self, f'b{k}')
        return torch.sigmoid(h.squeeze(-1))


def predict(net, X):
    with torch.no_grad():
        return net(torch.tensor(X)).numpy()


def weights(cols, sel, syn_weight, fall_weight=1.0, trial_balance=True):
    """Balance falls against activities within recorded and synthetic data separately."""
    y = cols['label'][sel]
    origin = cols['origin'][sel]
    # an activity trial fails on its worst window: every trial gets the same total weight,
    # so trials with many candidate windows (clapping, jogging) do not drown the rest
    keys = np.char.add(np.char.add(cols['trial'][sel], ':'), cols['variant'][sel].astype(str))
    _, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    w = (1.0 / counts[inv]).astype(np.float32) if trial_balance else np.ones(len(y), dtype=np.float32)
    for o, total in (('rec', 1.0), ('syn', syn_weight)):
        for lab, share in ((0, 1.0), (1, fall_weight)):
            m = (origin == o) & (y == lab)
            if m.sum() > 0:
                w[m] = w[m] * total * share * 0.5 / w[m].sum()
    return w * len(y)


def trial_scores(cols, sel, p, trials, keep):
    """Max score per (trial, variant) and whether it is a fall trial; trials without any
    candidate window (never sent to the model) score 0."""
    out = {f"{t['trial']}:{t['variant']}": (t['fall'] == '1', 0.0) for t in trials if keep(t)}
    keys = np.char.add(np.char.add(cols['trial'][sel], ':'), cols['variant'][sel].astype(str))
    lab = cols['label'][sel]
    for k, s, l in zip(keys, p, lab):
        # whether it is a fall is the trial's label (FallAllD names activities by number only);
        # a fall trial's windows well before its impact (label 0) would alarm on the motion before
        # the fall, which falls:eval does not count as detecting it
        if k in out and s > out[k][1] and not (out[k][0] and l == 0):
            out[k] = (out[k][0], s)
    return out


def sens_spec(ts, th, trial_counts=None):
    f = np.array([v[0] for v in ts.values()])
    s = np.array([v[1] for v in ts.values()])
    sens = float((s[f] >= th).mean()) if f.any() else float('nan')
    spec = float((s[~f] < th).mean()) if (~f).any() else float('nan')
    return sens, spec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--folds', type=int, default=6)
    ap.add_argument('--epochs', type=int, default=30)
    ap.add_argument('--syn-weight', type=float, default=1.0)
    ap.add_argument('--hidden', default='32,16')
    ap.add_argument('--members', type=int, default=3)
    ap.add_argument('--fall-weight', type=float, default=1.0, help='falls vs activities (class weight)')
    ap.add_argument('--student', default='', help='distil each ensemble into one MLP of these hidden widths, e.g. 32,16')
    ap.add_argument('--soft', type=float, default=0.5, help='student target: share of the teacher score vs the label')
    ap.add_argument('--student-epochs', type=int, default=30)
    ap.add_argument('--mix', type=float, default=0.0, help='student: weight of rows interpolated between pairs')
    ap.add_argument('--dropout', type=float, default=0.0, help='teachers and student: dropout between layers')
    ap.add_argument('--weight-decay', type=float, default=1e-3)
    ap.add_argument('--cv-only', action='store_true')
    ap.add_argument('--columns', default='', help='experiments: keep features whose name matches this regex')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threshold-step', type=float, default=0.05,
                    help='the grid the threshold is chosen on (0.1 to 0.95); a model whose scores sit close together needs a finer one')
    ap.add_argument('--rex', type=float, default=0.0,
                    help="teachers: weight of the loss's variance across subjects × label (V-REx); 0: plain loss")
    a = ap.parse_args()
    if not 0 < a.threshold_step <= 0.1:
        sys.exit(f'--threshold-step {a.threshold_step}: from above 0 to 0.1')
    hidden = tuple(int(h) for h in a.hidden.split(','))
    student = tuple(int(h) for h in a.student.split(',')) if a.student else ()
    # regularisation, the same for the teachers and the student
    reg = dict(dropout=a.dropout, weight_decay=a.weight_decay)
    X, cols, meta, trials = load(a.data)
    if a.columns:
        keep = [i for i, n in enumerate(meta['names']) if re.fullmatch(a.columns, n)]
        X = np.ascontiguousarray(X[:, keep])
    is_rec = cols['origin'] == 'rec'
    is_syn = cols['origin'] == 'syn'
    labelled = cols['label'] >= 0
    folds = subject_folds(cols['group'][is_rec], a.folds)
    # synthetic wearer groups (syn0, syn1, …) are spread over the folds, so that every synthetic
    # trial is scored out of fold whatever the number of folds
    syn_fold = np.array([int(g[3:]) % a.folds if g.startswith('syn') else -1 for g in cols['group']])
    oof = np.full(len(X), np.nan, dtype=np.float32)
    nets = []
    for k, held in enumerate(folds):
        # fold k also leaves out its synthetic wearer groups, so that the threshold can be
        # calibrated on synthetic trials no model of the fold has seen
        test_syn = is_syn & (syn_fold == k)
        test = is_rec & np.isin(cols['group'], held)
        train = labelled & ((is_rec & ~test) | (is_syn & ~test_syn))
        w = weights(cols, train, a.syn_weight, a.fall_weight)
        net = train_ensemble(X[train], cols['label'][train], w, a.seed + k, a.epochs, hidden, a.members, **reg,
                             groups=loss_groups(cols['group'][train], cols['label'][train]), rex=a.rex)
        if student:
            net = train_model(X[train], cols['label'][train], w, (a.seed + k) * 1000 + 500, a.student_epochs, student,
                              teacher=net, soft=a.soft, mix=a.mix, **reg)
        nets.append(net)
        oof[test] = predict(net, X[test])
        oof[test_syn] = predict(net, X[test_syn])
        ts = trial_scores(cols, test & (cols['variant'] == 0), oof[test & (cols['variant'] == 0)], trials,
                          lambda t: t['origin'] == 'rec' and t['variant'] == '0' and t['group'] in held)
        print(f'fold {k} held {held}: sens/spec@0.5 {sens_spec(ts, 0.5)}', file=sys.stderr)
    # threshold from the out-of-fold scores of the original recordings
    v0 = is_rec & (cols['variant'] == 0)
    ts0 = trial_scores(cols, v0, oof[v0], trials, lambda t: t['origin'] == 'rec' and t['variant'] == '0')
    va = is_rec & (cols['variant'] > 0)
    tsa = trial_scores(cols, va, oof[va], trials, lambda t: t['origin'] == 'rec' and t['variant'] != '0')
    se = is_syn & (cols['elderly'] == 1)
    tse = trial_scores(cols, se, oof[se], trials, lambda t: t['origin'] == 'syn' and t['elderly'] == '1')
    print('threshold  sens  spec  (recorded, out of fold) | augmented sens spec | synthetic elderly sens spec',
          file=sys.stderr)
    best = (None, -1)
    for th in np.arange(0.1, 0.96, a.threshold_step):
        s0 = sens_spec(ts0, th)
        sa = sens_spec(tsa, th)
        ss = sens_spec(tse, th)
        print(f'{th:.2f}  {s0[0]:.3f} {s0[1]:.3f} | {sa[0]:.3f} {sa[1]:.3f} | {ss[0]:.3f} {ss[1]:.3f}', file=sys.stderr)
        # largest margin over the targets the detector is judged by: 0.95/0.95 on the recorded
        # subjects, 0.90/0.90 on other watches and wearers (the augmented replays, and the
        # synthetic older wearers of the held-out group), all scored out of fold
        score = min(s0[0] - 0.95, s0[1] - 0.95, sa[0] - 0.90, sa[1] - 0.90, ss[0] - 0.90, ss[1] - 0.90)
        if score > best[1]:
            best = (float(th), score)
    threshold = round(best[0], 3)
    print(f'chosen threshold {threshold}', file=sys.stderr)
    report_activities(cols, v0, oof, threshold)
    if a.cv_only:
        return
    os.makedirs(os.path.join(a.out, 'folds'), exist_ok=True)
    F = X.shape[1]
    for k, net in enumerate(nets):
        export(net, F, os.path.join(a.out, 'folds', f'fold-{k}.onnx'))
    manifest = {
        'featureVersion': meta['featureVersion'],
        'threshold': threshold,
        'folds': [{'model': f'fold-{k}.onnx', 'heldOutSubjects': list(held)} for k, held in enumerate(folds)],
    }
    json.dump(manifest, open(os.path.join(a.out, 'folds', 'manifest.json'), 'w'), indent=2)
    train = labelled & (is_rec | is_syn)
    w = weights(cols, train, a.syn_weight, a.fall_weight)
    final = train_ensemble(X[train], cols['label'][train], w, a.seed + 100, a.epochs, hidden, a.members, **reg,
                           groups=loss_groups(cols['group'][train], cols['label'][train]), rex=a.rex)
    if student:
        final = train_model(X[train], cols['label'][train], w, (a.seed + 100) * 1000 + 500, a.student_epochs,
                            student, teacher=final, soft=a.soft, mix=a.mix, **reg)
    export(final, F, os.path.join(a.out, 'fall.onnx'))
    card = {
        'featureVersion': meta['featureVersion'],
        'featureCount': F,
        'window': meta['window'],
        'threshold': threshold,
        'refractoryMs': 30000,
        'inputName': 'features',
        'outputName': 'fall_probability',
    }
    json.dump(card, open(os.path.join(a.out, 'fall.json'), 'w'), indent=2)
    print(f'wrote {a.out}/fall.onnx, fall.json and {len(nets)} fold models', file=sys.stderr)


def report_activities(cols, sel, p, th):
    """Per activity: share of trials with an alarm (out of fold, original recordings)."""
    ts = {}
    for t, a, g, s in zip(cols['trial'][sel], cols['activity'][sel], cols['group'][sel], p[sel]):
        ts[t] = (a, g, max(s, ts.get(t, (a, g, -1))[2]))
    acts = sorted(set(v[0] for v in ts.values()))
    for a in acts:
        s = np.array([v[2] for v in ts.values() if v[0] == a])
        print(f'  {a:28s} n={len(s):3d} alarm={np.mean(s >= th):.3f}', file=sys.stderr)
    falls = set(cols['trial'][sel][cols['label'][sel] == 1])
    missed = [(k, v) for k, v in ts.items() if k in falls and v[2] < th]
    print('  missed falls:', ' '.join(f'{k}/{v[1]}/{v[2]:.2f}' for k, v in missed), file=sys.stderr)


def export(net, F, path):
    net.eval()
    if isinstance(net, Ensemble):
        fused = FusedEnsemble(net).eval()
        probe = torch.tensor(np.random.default_rng(0).normal(size=(512, F)).astype(np.float32)) * net.nets[0].std + \
            net.nets[0].mean
        with torch.no_grad():
            gap = float((fused(probe) - net(probe)).abs().max())
        assert gap < 1e-4, f'fused ensemble differs by {gap}'
        net = fused
    elif isinstance(net, FallNet):
        folded = FoldedNet(net).eval()
        probe = torch.tensor(np.random.default_rng(0).normal(size=(512, F)).astype(np.float32)) * net.std + net.mean
        with torch.no_grad():
            gap = float((folded(probe) - net(probe)).abs().max())
        assert gap < 1e-4, f'folded net differs by {gap}'
        net = folded
    torch.onnx.export(
        net, torch.zeros(2, F), path, input_names=['features'], output_names=['fall_probability'],
        dynamic_axes={'features': {0: 'n'}, 'fall_probability': {0: 'n'}}, opset_version=13,
    )


if __name__ == '__main__':
    main()
