/**
 * When a load step counts as sustained: one rule for the ingest and fleet benchmarks, so that
 * their "largest fleet sustained" figures mean the same thing.
 */

/** Telemetry shed, plus telemetry not read within `graceMs` of the last send: at most this share of what was sent. */
export const maxLoss = 0.01;
export const graceMs = 1_000;
/** The load side, not the broker, is the bottleneck when its send loop runs this late (p99). */
export const loadLateMs = 100;

/** A benchmark's numeric knob from the environment, or its default. */
export const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
