import { afterAll, beforeAll, expect } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './hub.js';

/** One hub on SQLite with the small district for the whole file; `hub()` inside a test. */
export function smallDistrictHubPerFile(): () => TestHub {
  let hub: TestHub | undefined;
  beforeAll(async () => {
    hub = await startTestHub();
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
  });
  return () => {
    if (!hub) throw new Error('the hub is not started yet (use it inside a test)');
    return hub;
  };
}
