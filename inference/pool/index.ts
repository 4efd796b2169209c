export { workerOf } from './device-hash.js';
export {
  defaultPoolOptions,
  InferencePool,
  type InferencePoolDeps,
  type InferencePoolOptions,
  type PoolStats,
} from './inference-pool.js';
export type { FallModelAlarm } from './protocol.js';
