import type { Logger } from 'pino';
import { FallBatch } from '../../inference/fall/batch.js';
import { FallDetector } from '../../inference/fall/detector.js';
import { type FallTrial, readFallTrials } from '../../inference/fall/falls-data.js';
import { FallFeatures } from '../../inference/fall/features.js';
import { FallStream } from '../../inference/fall/stream.js';
import { scanRecording } from '../../inference/fall/trial-scan.js';
import { watchSeconds } from '../../inference/pool/watch-replay.js';
import { DeviceLinks, sleep } from './device-links.js';
import { HubApi } from './hub-api.js';
import { LocalHub } from './local-hub.js';
import { SimClock } from './sim-clock.js';

export interface ReplayScore {
  trials: number;
  falls: number;
  sensitivity: number;
  specificity: number;
}

const WATCH_HZ = 25;
/** Seconds of the last sample held after a recording: the wearer lies still while the detector looks ahead. */
const TAIL_S = 8;
const ADMIN_PASSWORD = 'replay-admin-password';

/**
 * Recorded trials (falls format) replayed as watch telemetry over MQTT: one provisioned
 * watch per trial, each recording resampled to 25 Hz and sent one second per message. A
 * trial counts as detected when the hub tells its watch it saw a fall (`notify` with 跌倒:
 * the watch is told at once, before the cancel window), whenever it came. The same trials are
 * also scored offline exactly as `falls:eval --any-alarm` does (an alarm before the impact counts
 * too), and every disagreement is listed.
 */
export class Replay {
  constructor(
    private readonly deps: {
      dir: string;
      hub?: { http: string; mqtt: string; adminPassword: string };
      logger: Logger;
      /** Built-in hub in this process (default) or a child process. */
      inProcessHub?: boolean;
      model?: string;
    },
  ) {}

  async run(): Promise<{
    score: ReplayScore;
    evalScore: ReplayScore;
    perTrial: Array<{ trial: string; label: string; hub: boolean; eval: boolean }>;
    lines: string[];
  }> {
    const trials = await readFallTrials(this.deps.dir);
    const evalDetected = await this.evaluateOffline(trials);
    const clock = new SimClock(Date.now(), 1);
    clock.start();
    let local: LocalHub | null = null;
    let http: string;
    let mqttUrl: string;
    let password: string;
    if (this.deps.hub) ({ http, mqtt: mqttUrl, adminPassword: password } = this.deps.hub);
    else {
      local = new LocalHub({
        adminPassword: ADMIN_PASSWORD,
        clock,
        inProcess: this.deps.inProcessHub ?? true,
        fallCancelWindowS: 1,
      });
      await local.start();
      http = `http://127.0.0.1:${local.http}`;
      mqttUrl = `mqtt://127.0.0.1:${local.mqtt}`;
      password = ADMIN_PASSWORD;
    }
    try {
      const api = new HubApi({ baseUrl: http, username: 'admin', password });
      await api.login();
      const run = Date.now().toString(36);
      const device = (i: number) => `rp-${run}-${i}`;
      const put = await api.call('PUT', '/api/v1/district', {
        org_units: [{ id: `replay-${run}`, name: '回放', level: 'district' }],
        elders: trials.map((t, i) => ({
          id: `rp-e-${run}-${i}`,
          name: `回放 ${t.trial}`,
          org_unit: `replay-${run}`,
          address: `trial ${t.trial}`,
          location: { lat: 22.54, lon: 114.05 },
          devices: [{ id: device(i), type: 'watch', secret: `replay-secret-${run}-${i}` }],
        })),
      });
      if (put.status !== 200)
        throw new Error(`replay district refused: ${JSON.stringify(put.body).slice(0, 500)}`);
      const detected = new Set<string>();
      const links = new DeviceLinks({
        url: mqttUrl,
        logger: this.deps.logger,
        now: Date.now,
        onCommand: (id, c) => {
          if (c.command === 'notify' && c.text?.includes('跌倒')) detected.add(id);
        },
      });
      await links.connectAll(
        trials.map((_, i) => ({ id: device(i), type: 'watch', secret: `replay-secret-${run}-${i}` })),
      );
      // a few trials at a time, each a little faster than real time (the detector runs on the samples' own times)
      let next = 0;
      const worker = async () => {
        while (next < trials.length) {
          const i = next++;
          const seconds = watchSeconds(trials[i]!, WATCH_HZ, TAIL_S);
          const t0 = Date.now();
          for (let s = 0; s < seconds.length; s++) {
            links.telemetry(device(i), { ts: t0 + s * 1000, worn: true, accel: seconds[s] });
            await sleep(40);
          }
        }
      };
      await Promise.all(Array.from({ length: 24 }, worker));
      await sleep(4000);
      await links.stop();
      const perTrial = trials.map((t, i) => ({
        trial: t.trial,
        label: t.label,
        hub: detected.has(device(i)),
        eval: evalDetected[i]!,
      }));
      const lines = perTrial
        .filter((p) => p.hub !== p.eval)
        .map(
          (p) =>
            `disagrees with falls:eval: trial ${p.trial} (${p.label}) hub ${p.hub ? 'detected' : 'quiet'}, eval ${p.eval ? 'detected' : 'quiet'}`,
        );
      lines.push(
        `replayed ${trials.length} trials; agreement with falls:eval ${perTrial.length - lines.length}/${perTrial.length}`,
      );
      return {
        score: scoreOf(
          trials,
          perTrial.map((p) => p.hub),
        ),
        evalScore: scoreOf(trials, evalDetected),
        perTrial,
        lines,
      };
    } finally {
      await local?.stop();
    }
  }

  /** Per-trial detection exactly as `falls:eval --any-alarm` computes it (final model). */
  private async evaluateOffline(trials: FallTrial[]): Promise<boolean[]> {
    const detector = await FallDetector.open(this.deps.model ?? 'inference/models/fall.onnx');
    const features = new FallFeatures(detector.window);
    const batch = new FallBatch(features.count, 256);
    const out: boolean[] = [];
    for (const t of trials) {
      const stream = new FallStream({ spec: detector.window, features, key: t.trial });
      batch.clear();
      scanRecording(t, stream, batch);
      let alarms = 0;
      if (batch.size > 0) alarms = detector.decide(batch, await detector.score(batch), () => {});
      out.push(alarms > 0);
    }
    await detector.close();
    return out;
  }
}

function scoreOf(trials: FallTrial[], detected: boolean[]): ReplayScore {
  let falls = 0;
  let hit = 0;
  let adls = 0;
  let quiet = 0;
  trials.forEach((t, i) => {
    if (t.label === 'fall') {
      falls++;
      if (detected[i]) hit++;
    } else {
      adls++;
      if (!detected[i]) quiet++;
    }
  });
  const round = (v: number) => Math.round(v * 10000) / 10000;
  return {
    trials: trials.length,
    falls,
    sensitivity: round(falls ? hit / falls : Number.NaN),
    specificity: round(adls ? quiet / adls : Number.NaN),
  };
}
