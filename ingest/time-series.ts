import { InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import type { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { StoredEvent } from './event-log.js';
import { eventLines, readingLines } from './line-protocol.js';
import type { Reading } from './readings.js';

export interface TimeSeriesTarget {
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Raw acceleration is many lines per second per watch: written only when asked for. */
  writeAccel: boolean;
  /** Lines kept for retries during an outage (the client's default, 32,000). */
  maxBufferLines: number;
}

/**
 * Full telemetry to a server of the InfluxDB v2 write API. Batches leave at least
 * every second; failed batches are retried from a bounded buffer; a line that is
 * finally dropped is counted in `yiyang_timeseries_dropped_lines_total` and logged
 * once per outage. `stop()` flushes the retry buffer too.
 */
export class TimeSeriesWriter {
  private writeApi: WriteApi | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private outage = false;
  /** The last write's failure, until a write succeeds again. */
  private failing: string | null = null;

  constructor(
    private readonly deps: {
      target: TimeSeriesTarget;
      /** Which org unit each elder belongs to (a tag of every series). */
      directory: Pick<DistrictDirectory, 'orgUnitOf'>;
      readings: Channel<Reading>;
      events: Channel<StoredEvent>;
      metrics: HubMetrics;
      logger: Logger;
      shutdownFlushMs: number;
    },
  ) {}

  start(): void {
    const { target, metrics, logger } = this.deps;
    const dropped = (count: number, why: string) => {
      metrics.timeSeriesDropped.inc(count);
      if (!this.outage)
        logger.error({ lines: count, why }, 'time series lines dropped (logged once per outage)');
      this.outage = true;
    };
    // The client library has one process-wide logger: route it through ours.
    setLogger({
      error: (message, error) => logger.debug({ err: error }, message),
      warn: (message, error) => logger.debug({ err: error }, message),
    });
    const maxRetries = 5;
    this.writeApi = new InfluxDB({ url: target.url, token: target.token, timeout: 10_000 }).getWriteApi(
      target.org,
      target.bucket,
      'ms',
      {
        batchSize: 5000,
        flushInterval: 1000,
        maxBufferLines: target.maxBufferLines,
        maxRetries,
        writeSuccess: (lines) => {
          metrics.timeSeriesWritten.inc(lines.length);
          this.failing = null;
          if (this.outage) logger.info('time series server reachable again');
          this.outage = false;
        },
        writeFailed: (error, lines, attempt, expires) => {
          const status = (error as { statusCode?: number }).statusCode;
          this.failing = error.message;
          const retried =
            attempt <= maxRetries && expires > Date.now() && (status === undefined || status >= 429);
          if (!retried) dropped(lines.length, error.message);
          else if (!this.outage)
            logger.warn({ err: error.message, attempt }, 'time series write failed; retrying');
        },
        writeRetrySkipped: (entry) => dropped(entry.lines.length, 'retry buffer full'),
      },
    );
    this.unsubscribe.push(
      this.deps.readings.subscribe((r) =>
        this.write(readingLines(r, this.tags(r.elderId), target.writeAccel)),
      ),
      this.deps.events.subscribe((e) => this.write(eventLines(e, this.tags(e.elderId)))),
    );
  }

  /** Why the time-series server is not taking lines now (retried or dropped), or null. */
  unavailable(): string | null {
    return this.failing;
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    const api = this.writeApi;
    if (!api) return;
    // close() alone discards the retry buffer: flush it first, but do not hang a shutdown on a dead server.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.deps.shutdownFlushMs);
    });
    const flushed = await Promise.race([
      api.flush(true).then(
        () => 'ok' as const,
        () => 'failed' as const,
      ),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (flushed !== 'ok') this.deps.logger.error({ result: flushed }, 'final time series flush incomplete');
    await api.close().catch(() => undefined);
  }

  private tags(elderId: string | null) {
    return { elderId, orgUnitId: this.deps.directory.orgUnitOf(elderId) };
  }

  private write(lines: string[]): void {
    if (lines.length > 0) this.writeApi?.writeRecords(lines);
  }
}
