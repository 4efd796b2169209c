import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../kernel/stage.js';
import { StageList } from './stage-list.js';

/** A stage that records its start and stop in `log`; its stop as given. */
function stage(name: string, log: string[], stop: () => Promise<void> = async () => undefined): Stage {
  return {
    start: async () => void log.push(`start ${name}`),
    stop: async () => {
      log.push(`stop ${name}`);
      await stop();
    },
  };
}

describe('the hub’s stages', () => {
  it('[STAGES-STOP-HUNG] stops in reverse; a stop that fails does not keep the others running, and one that hangs is named', async () => {
    const log: string[] = [];
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stages = new StageList(pino({ level: 'silent' }), [
      ['store side', stage('store side', log)],
      ['mqtt', stage('mqtt', log, () => hung)],
      ['dispatch', stage('dispatch', log, () => Promise.reject(new Error('dispatch broke')))],
      ['http', stage('http', log)],
    ]);
    await stages.start();
    expect(stages.stopping).toBeUndefined();
    const stopped = stages.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(log.slice(4)).toEqual(['stop http', 'stop dispatch', 'stop mqtt']);
    expect(stages.stopping, 'the stage the stop waits for').toBe('mqtt');
    release();
    await stopped;
    expect(log.slice(4)).toEqual(['stop http', 'stop dispatch', 'stop mqtt', 'stop store side']);
    expect(stages.stopping).toBeUndefined();
  });
});
