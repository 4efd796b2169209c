import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Replay } from '../simulators/fleet/replay.js';
import { parseInjectSpec } from '../simulators/fleet/scenarios.js';
import { Simulation } from '../simulators/fleet/simulation.js';

const logger = pino({ level: 'silent' });

describe('fleet simulator', () => {
  it('[SIM-SUMMARY] a small simulated run shows the injected SOS and fall without recovery as hits', async () => {
    const result = await new Simulation({
      homes: 20,
      hours: 2,
      speed: 288,
      seed: 3,
      startMinute: 8 * 60,
      inject: parseInjectSpec('sos:1,fall:1'),
      inProcessHub: true,
      logger,
    }).run();
    expect(result.summary.perKind.sos).toMatchObject({ injected: 1, hits: 1, misses: 0 });
    expect(result.summary.perKind.fall).toMatchObject({ injected: 1, hits: 1, misses: 0 });
    expect(result.events).toBeGreaterThan(0);
    expect(result.eventsLost).toBe(0); // counted by the hub: every event sent was stored
    expect(result.messages).toBeGreaterThan(20 * 150); // radar every simulated minute, watch every 2
    expect(result.text).toContain('injected incidents against alerts');
  }, 90_000);

  it('[SIM-INJECT] an unknown scenario name is refused by name', () => {
    expect(() => parseInjectSpec('fall:2,meteor:1')).toThrow(/meteor/);
    expect([...parseInjectSpec('fall:2,sos:3')]).toEqual([
      ['fall', 2],
      ['sos', 3],
    ]);
  });
});

describe('replay', () => {
  it('[SIM-REPLAY] replaying 4 UMAFall trials over MQTT agrees with falls:eval on the same 4', async () => {
    // shared/ sits beside the repository (as in CI); FALLS_DATA points elsewhere.
    const source =
      process.env.FALLS_DATA ??
      fileURLToPath(new URL('../../shared/data/falls/umafall-wrist', import.meta.url));
    const trials = readFileSync(join(source, 'trials.csv'), 'utf8').trim().split('\n');
    const header = trials[0]!;
    const rows = trials.slice(1);
    const pick = [
      ...rows.filter((r) => r.split(',')[1] === 'fall').slice(0, 2),
      ...rows
        .filter((r) => r.split(',')[1] === 'adl')
        .filter((r, i, all) => all.findIndex((o) => o.split(',')[2] === r.split(',')[2]) === i)
        .slice(0, 2),
    ];
    const ids = new Set(pick.map((r) => r.split(',')[0]));
    const dir = mkdtempSync(join(tmpdir(), 'yiyang-replay-'));
    writeFileSync(join(dir, 'trials.csv'), `${header}\n${pick.join('\n')}\n`);
    const samples = readFileSync(join(source, 'samples.csv'), 'utf8').split('\n');
    writeFileSync(
      join(dir, 'samples.csv'),
      `${samples[0]}\n${samples.filter((l) => ids.has(l.slice(0, l.indexOf(',')))).join('\n')}\n`,
    );

    const replay = await new Replay({ dir, logger }).run();
    const { stdout } = await promisify(execFile)('npx', [
      'tsx',
      'training/falls-eval.ts',
      '--data',
      dir,
      '--quiet',
      // the replay counts the hub telling the watch, whenever it came: an early alarm too
      '--any-alarm',
    ]);
    const evalLine = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(replay.score).toEqual(evalLine);
    expect(replay.perTrial.filter((p) => p.hub !== p.eval)).toEqual([]);
  }, 90_000);
});
