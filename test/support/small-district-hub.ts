import { afterAll, beforeAll, expect } from 'vitest';
import type { Dialect } from './databases.js';
import { smallDistrict, startTestHub, type TestHub } from './hub.js';

/** One hub (SQLite unless told) with the small district for the file or `describe`; `hub()` inside a test. */
export function smallDistrictHubPerFile(dialect?: Dialect): () => TestHub {
  let hub: TestHub | undefined;
  beforeAll(async () => {
    hub = await startTestHub({ dialect });
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
