import { type Aggregator, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Node's and the process's metrics keep prom-client's standard names (`process_cpu_seconds_total`,
 * `nodejs_eventloop_lag_seconds`…) so that stock dashboards and rules find them: each hub has its
 * own registry, so hubs sharing a process (tests) never collide and need no prefix. The hub's own
 * metrics are `yiyang_*`.
 */
const COLLECTORS_COSTING_PER_CONNECTION = [
  'process_open_fds',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
];

/** Device messages: an fsync'd store write is ~1 ms, a PUBACK later than seconds makes devices resend. */
const pubackBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Machine steps: milliseconds when all is well, a minute when a ladder is stuck. */
const offerBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** People: the service levels' 60 s and 180 s are bucket bounds, so their shares can be read off. */
const ackBuckets = [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800, 3600];

/**
 * A registry that runs the hub's samplers before it is read — by the scrape, or by the primary of
 * several hub processes collecting each one's metrics (prom-client's AggregatorRegistry).
 */
class SampledRegistry extends Registry {
  constructor(private readonly samplers: Array<() => unknown>) {
    super();
  }

  private async sampled(): Promise<void> {
    await Promise.allSettled(this.samplers.map(async (sample) => sample()));
  }

  override async metrics(): Promise<string> {
    await this.sampled();
    return super.metrics();
  }

  override async getMetricsAsJSON() {
    await this.sampled();
    return super.getMetricsAsJSON();
  }
}

/** The hub's Prometheus metrics, one registry per hub (no process-wide default registry). */
export class HubMetrics {
  private readonly samplers: Array<() => unknown> = [];
  readonly registry: Registry = new SampledRegistry(this.samplers);
  /**
   * With several hub processes on one machine (HUB_PROCESSES): the metrics of all of them, summed
   * (or as each gauge says), so that a scrape of the shared port sees the machine, not one process.
   */
  machineWide: (() => Promise<string>) | undefined;

  // MQTT
  readonly connections = this.gauge('yiyang_mqtt_connections', 'Devices connected over MQTT now');
  readonly connectsRefused = this.counter(
    'yiyang_mqtt_connects_refused_total',
    'CONNECTs refused, by reason',
    ['reason'],
  );
  readonly readWaits = this.counter(
    'yiyang_mqtt_read_waits_total',
    'Waits between polls of the device sockets (MQTT_READ_WAIT_MS) so that one wake reads many',
  );
  readonly messagesIn = this.counter(
    'yiyang_mqtt_messages_in_total',
    'Messages received from devices, by topic kind',
    ['kind'],
  );
  readonly rejected = this.counter('yiyang_mqtt_rejected_total', 'Device messages dropped, by reason', [
    'reason',
  ]);
  readonly eventPuback = this.histogram(
    'yiyang_event_puback_seconds',
    'From a device event reaching the gateway to its PUBACK, sent once it is durably stored',
    pubackBuckets,
  );

  // Alerts
  readonly alertsOpened = this.counter('yiyang_alerts_opened_total', 'Alerts opened, by kind', ['kind']);
  readonly alertsActive = this.gauge(
    'yiyang_alerts_active',
    'Alerts open, assigned or on site now, by severity and whether a person acknowledged them',
    ['severity', 'acknowledged'],
    'max', // read from the store each process shares
  );
  readonly oldestUnacknowledged = this.gauge(
    'yiyang_alerts_unacknowledged_oldest_seconds',
    'Age of the oldest active alert nobody has acknowledged, by severity (0: none)',
    ['severity'],
    'max',
  );
  readonly sosToOffer = this.histogram(
    'yiyang_sos_to_offer_seconds',
    'From a critical alert (SOS, fall…) opening to its first offer sent to a responder, by kind',
    offerBuckets,
    ['kind'],
  );
  readonly alertAck = this.histogram(
    'yiyang_alert_ack_seconds',
    "From an alert opening to a person's first acknowledgement, by kind and severity",
    ackBuckets,
    ['kind', 'severity'],
  );

  // Ingest
  readonly telemetryShed = this.counter(
    'yiyang_ingest_shed_total',
    'Telemetry messages dropped under overload (events are never shed)',
  );
  readonly shedShare = this.gauge(
    'yiyang_ingest_shed_share',
    'Share of telemetry being shed now (0 = none)',
    [],
    'max',
  );
  readonly telemetryQueued = this.gauge(
    'yiyang_ingest_telemetry_queued',
    'Telemetry messages taken and waiting to be handled (events never wait here)',
  );
  readonly eventsStored = this.counter(
    'yiyang_events_stored_total',
    'Device events durably stored, once each (redeliveries of a stored event_id not counted)',
    ['type'],
  );
  readonly clockSkewed = this.counter(
    'yiyang_ingest_clock_skewed_total',
    'Readings whose device clock was more than 5 minutes off (hub time used)',
  );
  readonly timeSeriesWritten = this.counter(
    'yiyang_timeseries_written_lines_total',
    'Lines accepted by the time series server',
  );
  readonly timeSeriesDropped = this.counter(
    'yiyang_timeseries_dropped_lines_total',
    'Lines given up after retries or pushed out of the full retry buffer',
  );
  readonly devicesWatched = this.gauge(
    'yiyang_devices_watched',
    'Devices whose health this hub watches: not revoked, and in the store at start or seen since',
  );
  readonly devicesOffline = this.gauge(
    'yiyang_devices_offline',
    "Watched devices silent past their type's timeout (device_offline on)",
  );

  // The notice webhook (NOTICE_WEBHOOK_URL)
  readonly noticeWebhook = this.counter(
    'yiyang_notice_webhook_total',
    'Attempts to hand a notice to the webhook receiver, by notice type and result (delivered, failed: retried later, dead: given up)',
    ['type', 'result'],
  );
  readonly noticeWebhookWaiting = this.gauge(
    'yiyang_notice_webhook_waiting',
    'Notices kept for the webhook receiver, not yet delivered nor given up',
    [],
    'max',
  );
  readonly pushWaiting = this.gauge(
    'yiyang_push_waiting',
    'Web Pushes kept for the push services, not yet delivered nor given up',
    [],
    'max',
  );
  readonly pushDeliveries = this.counter(
    'yiyang_push_deliveries_total',
    'Attempts to hand a Web Push to a push service, by push type and result (delivered, failed: retried later, dead: given up or the subscription gone)',
    ['type', 'result'],
  );

  // The hub
  readonly ready = this.gauge(
    'yiyang_ready',
    '1 when /readyz answers ready (started, the store answers within 2 s), else 0',
    [],
    'min', // several processes: 0 if any is not
  );
  readonly partitionsHeld = this.gauge(
    'yiyang_cluster_partitions_held',
    "Elders' partitions this process owns (cluster mode; one process: 1): summed over a district's processes, CLUSTER_PARTITIONS",
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // These walk every socket (or /proc/self/fd) on each scrape: ~17 ms of blocked event
    // loop per scrape with 10,000 devices connected. `yiyang_mqtt_connections` counts them.
    for (const perConnection of COLLECTORS_COSTING_PER_CONNECTION)
      this.registry.removeSingleMetric(perConnection);
  }

  /**
   * A gauge that reads state (the store, device health) is set when scraped, rather than kept in
   * step by every writer of that state.
   */
  sampleAtScrape(sample: () => unknown): void {
    this.samplers.push(sample);
  }

  /**
   * A count a hot path keeps as a plain number (no label lookup per message): the counter catches up
   * with it whenever it is read, by a scrape or by `get()`.
   */
  followCount<L extends string>(
    counter: Counter<L>,
    read: () => number,
    labels: Partial<Record<L, string | number>> = {},
  ): void {
    let counted = 0;
    (counter as unknown as { collect: () => void }).collect = () => {
      const now = read();
      if (now > counted) counter.inc(labels, now - counted);
      counted = now;
    };
  }

  /** The Prometheus text, once every sampler has run; a failing sampler does not fail the scrape. */
  async exposition(): Promise<string> {
    return this.machineWide ? this.machineWide() : this.registry.metrics();
  }

  private counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * `aggregator`: how several hub processes' values make the machine's (HUB_PROCESSES): summed by
   * default; `max` for what each reads from the shared store, `min` for "every one is ready".
   */
  private gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    aggregator: Aggregator = 'sum',
  ) {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry], aggregator });
  }

  private histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ) {
    return new Histogram<L>({ name, help, buckets, labelNames, registers: [this.registry] });
  }
}
