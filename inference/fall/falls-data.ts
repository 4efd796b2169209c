import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One recording in the falls format (../shared/data/falls/README.md). */
export interface FallTrial {
  trial: string;
  label: 'fall' | 'adl';
  activity: string;
  subject: string;
  source: string;
  tMs: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

/** Reads `dir/trials.csv` and `dir/samples.csv`; trials without samples are dropped. */
export async function readFallTrials(dir: string): Promise<FallTrial[]> {
  const trialsCsv = await readFile(join(dir, 'trials.csv'), 'utf8');
  const samplesCsv = await readFile(join(dir, 'samples.csv'), 'utf8');
  const head = header(trialsCsv, ['trial', 'label', 'activity', 'subject']);
  const meta = new Map<string, Omit<FallTrial, 'tMs' | 'x' | 'y' | 'z'>>();
  for (const line of lines(trialsCsv)) {
    const c = line.split(',');
    const label = c[head.label]!;
    if (label !== 'fall' && label !== 'adl') throw new Error(`trials.csv: label ${label}`);
    const trial = c[head.trial]!;
    meta.set(trial, {
      trial,
      label,
      activity: c[head.activity]!,
      subject: c[head.subject]!,
      source: head.source === undefined ? '' : (c[head.source] ?? ''),
    });
  }
  const sh = header(samplesCsv, ['trial', 't_ms', 'x_g', 'y_g', 'z_g']);
  const cols = new Map<string, number[][]>();
  for (const line of lines(samplesCsv)) {
    const c = line.split(',');
    const id = c[sh.trial]!;
    let v = cols.get(id);
    if (v === undefined) {
      v = [[], [], [], []];
      cols.set(id, v);
    }
    v[0]!.push(Number(c[sh.t_ms]));
    v[1]!.push(Number(c[sh.x_g]));
    v[2]!.push(Number(c[sh.y_g]));
    v[3]!.push(Number(c[sh.z_g]));
  }
  const out: FallTrial[] = [];
  for (const [id, m] of meta) {
    const v = cols.get(id);
    if (v === undefined || v[0]!.length === 0) continue;
    out.push({
      ...m,
      tMs: Float64Array.from(v[0]!),
      x: Float32Array.from(v[1]!),
      y: Float32Array.from(v[2]!),
      z: Float32Array.from(v[3]!),
    });
  }
  return out;
}

function* lines(csv: string): Generator<string> {
  let first = true;
  for (const raw of csv.split('\n')) {
    const line = raw.trim();
    if (first) {
      first = false;
      continue;
    }
    if (line !== '') yield line;
  }
}

function header<K extends string>(
  csv: string,
  required: K[],
): Record<K, number> & Record<string, number | undefined> {
  const names = (csv.slice(0, csv.indexOf('\n')) || csv).trim().split(',');
  const idx: Record<string, number> = {};
  names.forEach((n, i) => {
    idx[n] = i;
  });
  for (const r of required) if (idx[r] === undefined) throw new Error(`csv lacks column ${r}`);
  return idx as Record<K, number> & Record<string, number | undefined>;
}
