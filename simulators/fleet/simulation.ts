import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { io } from 'socket.io-client';
import type { DistrictDocumentInput } from '../../registry/district-document.js';
import { seededRandom } from '../seeded-random.js';
import { drawHabits } from './daily-life.js';
import { DeviceLinks } from './device-links.js';
import { type DistrictPlan, generateDistrict, planFromDocument } from './district-generator.js';
import { Home } from './home.js';
import { type HubAlert, HubApi } from './hub-api.js';
import { LocalHub } from './local-hub.js';
import type { ProgressBar } from './progress.js';
import { ResponderCrew } from './responders.js';
import { type ScenarioKind, Scenarios } from './scenarios.js';
import { SimClock } from './sim-clock.js';
import { formatSummary, type RunSummary, scoreRun } from './summary.js';

export interface SimulationOptions {
  homes: number;
  hours: number;
  speed: number;
  seed: number;
  /** Local start time, minutes after midnight (UTC+8). */
  startMinute: number;
  inject: Map<ScenarioKind, number>;
  district?: string;
  /** An external hub; without it one is started for the run. */
  hub?: { http: string; mqtt: string; adminPassword: string };
  /** Built-in hub in this process (tests) instead of a child process. */
  inProcessHub?: boolean;
  /** The built-in hub consults the home's radar during a watch's cancel window (on unless false). */
  fusion?: boolean;
  /** The share of generated homes with a fall radar (1 unless set). */
  radarShare?: number;
  logger: Logger;
  progress?: ProgressBar;
}

export interface SimulationResult {
  summary: RunSummary;
  text: string;
  messages: number;
  events: number;
  /** Events sent that the hub did not store (its own count, `yiyang_events_stored_total`). */
  eventsLost: number;
  eventsUnacknowledged: number;
  shed: number;
  wallSetupS: number;
  wallRunS: number;
}

const ADMIN_PASSWORD = 'simulate-admin-password';

/**
 * One simulated run: the district on the hub, every device over MQTT, daily life and the
 * injected incidents on the simulated clock, responders on their sockets, then the summary.
 */
export class Simulation {
  constructor(private readonly options: SimulationOptions) {}

  async run(): Promise<SimulationResult> {
    const o = this.options;
    const wall0 = Date.now();
    const log = o.logger;
    const random = seededRandom(o.seed);
    const simStart = SimClock.localDayStart(Date.now()) + o.startMinute * 60_000;
    const clock = new SimClock(simStart, o.speed);
    const end = simStart + o.hours * 3_600_000;
    const wallDelay = (simMs: number) => clock.toWall(simMs);

    let localHub: LocalHub | null = null;
    let baseUrl: string;
    let mqttUrl: string;
    let adminPassword: string;
    if (o.hub) {
      ({ http: baseUrl, mqtt: mqttUrl, adminPassword } = o.hub);
    } else {
      localHub = new LocalHub({
        adminPassword: ADMIN_PASSWORD,
        clock,
        inProcess: o.inProcessHub ?? false,
        // the hub's timers run at the clock's speed: the window is 30 s of simulated time
        fallCancelWindowS: 30,
        fallRadarFusion: o.fusion ?? true,
      });
      await localHub.start();
      baseUrl = `http://127.0.0.1:${localHub.http}`;
      mqttUrl = `mqtt://127.0.0.1:${localHub.mqtt}`;
      adminPassword = ADMIN_PASSWORD;
    }
    // the built-in hub runs on the simulated clock; an external one on the wall clock
    const hubNow = o.hub ? Date.now : clock.now;
    const api = new HubApi({ baseUrl, username: 'admin', password: adminPassword });
    try {
      await api.login();
      const plan = await this.applyDistrict(api, o);
      log.info({ homes: plan.homes.length, responders: plan.responders.length }, 'district applied');

      const scenariosRef: { current?: Scenarios } = {};
      const links = new DeviceLinks({
        url: mqttUrl,
        logger: log,
        now: clock.now,
        onCommand: (id, c) => scenariosRef.current?.onCommand(id, c),
      });
      const homes = plan.homes.map(
        (h) => new Home(h, drawHabits(random), { links, random, wallDelay }, simStart),
      );
      const devices = plan.homes.flatMap((h) => h.devices);
      let connected = 0;
      await links.connectAll(devices, 48, () => {
        connected++;
        if (connected % 250 === 0 || connected === devices.length)
          process.stderr.write(
            `connected ${connected}/${devices.length} devices (${((Date.now() - wall0) / 1000).toFixed(0)} s)\n`,
          );
      });

      const crew = new ResponderCrew({
        api,
        baseUrl,
        logger: log,
        random,
        now: hubNow,
        wallDelay,
        onSite: (alertId, elderId) =>
          setTimeout(
            async () => {
              await api
                .call('POST', `/api/v1/alerts/${alertId}/resolve`, { outcome: 'help_given' })
                .catch(() => undefined);
              scenarios.helped(elderId);
            },
            wallDelay(10 * 60_000),
          ),
      });
      await crew.start(plan.responders);

      const seen = new Set<string>();
      const console_ = io(`${baseUrl}/console`, {
        auth: { token: api.adminToken },
        transports: ['websocket'],
      });
      console_.on('alert', (a: HubAlert) => seen.add(a.id));

      const scenarios = new Scenarios({
        homes,
        links,
        random,
        seed: o.seed,
        hubNow,
        simNow: clock.now,
        wallDelay,
      });
      scenariosRef.current = scenarios;
      scenarios.plan(o.inject, simStart, end);
      for (const s of scenarios.skipped) log.warn(s, 'incident not injected');

      const wallSetupS = (Date.now() - wall0) / 1000;
      const hubStart = hubNow();
      const storedBefore = await api.metric('yiyang_events_stored_total');
      clock.start();
      localHub?.syncClock();
      const wallRun0 = Date.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const t = clock.now();
          const now = Math.min(t, end);
          for (const h of homes) h.step(now);
          scenarios.step(now);
          crew.step(now);
          o.progress?.draw({
            share: (now - simStart) / (end - simStart),
            simNow: now,
            day:
              1 + Math.floor((SimClock.localDayStart(now) - SimClock.localDayStart(simStart)) / 86_400_000),
            messages: links.counters.telemetry + links.counters.events,
            events: links.counters.events,
            alerts: seen.size,
            accepted: crew.counters.accepted,
          });
          if (t >= end) {
            clearInterval(timer);
            resolve();
          }
        }, 50);
      });
      const hubEnd = hubNow();
      // the run is over: stop the clock before the devices go, so that their leaving raises nothing
      clock.freeze();
      localHub?.syncClock();
      o.progress?.done();
      await new Promise((r) => setTimeout(r, 1500));
      // events still waiting for their PUBACK get up to 20 s more before they count as lost
      for (let waited = 0; links.pendingEvents > 0 && waited < 20_000; waited += 250)
        await new Promise((r) => setTimeout(r, 250));
      const eventsStored = (await api.metric('yiyang_events_stored_total')) - storedBefore;
      const wallRunS = (Date.now() - wallRun0) / 1000;
      const alerts = await api.allAlerts();
      const shed = await api.metric('yiyang_ingest_shed_total').catch(() => Number.NaN);
      console_.close();
      crew.stop();
      await links.stop();

      const summary = scoreRun({
        injections: scenarios.injections,
        alerts,
        acceptedAt: crew.acceptedAt,
        start: hubStart,
        end: hubEnd,
        windowScale: o.hub ? 1 / o.speed : 1,
        personWeeks: (homes.length * o.hours) / (7 * 24),
      });
      const c = links.counters;
      const eventsLost = Math.max(0, c.events - eventsStored);
      const text = formatSummary(summary, [
        `messages sent ${(c.telemetry + c.events).toLocaleString('en')} (telemetry ${c.telemetry.toLocaleString('en')}, events ${c.events.toLocaleString('en')}); events stored by the hub ${eventsStored.toLocaleString('en')}, lost ${eventsLost} (not acknowledged within 20 s: ${c.eventsUnacknowledged}${o.hub ? '; an external hub may count other devices too' : ''}); telemetry shed by the hub ${shed}; CONNECT retries ${c.connectRetries}; commands received ${c.commands}`,
        `responders ${crew.size}: offers ${crew.counters.offers}, accepted ${crew.counters.accepted}, declined ${crew.counters.declined}, lost the race ${crew.counters.lostRace}, checked in ${crew.counters.checkins}`,
        `homes ${homes.length}, devices ${devices.length}; simulated ${o.hours} h at ${o.speed}× in ${wallRunS.toFixed(0)} s (setup ${wallSetupS.toFixed(0)} s, total ${((Date.now() - wall0) / 1000).toFixed(0)} s)`,
        ...(scenarios.skipped.length
          ? [`not injected: ${scenarios.skipped.map((s) => `${s.kind} (${s.reason})`).join('; ')}`]
          : []),
        ...(o.hub
          ? [
              "(external hub: alert times are on its wall clock; device clocks run simulated time and are flagged as skewed, so time-of-day rules follow the hub's clock)",
            ]
          : []),
      ]);
      return {
        summary,
        text,
        messages: c.telemetry + c.events,
        events: c.events,
        eventsLost,
        eventsUnacknowledged: c.eventsUnacknowledged,
        shed,
        wallSetupS,
        wallRunS,
      };
    } finally {
      await localHub?.stop();
    }
  }

  private async applyDistrict(api: HubApi, o: SimulationOptions): Promise<DistrictPlan> {
    const generated = o.district
      ? null
      : generateDistrict({
          homes: o.homes,
          seed: o.seed,
          ...(o.radarShare === undefined ? {} : { radarShare: o.radarShare }),
        });
    const doc: DistrictDocumentInput = generated
      ? generated.doc
      : JSON.parse(await readFile(o.district!, 'utf8'));
    const put = await api.call<{ issued_secrets?: Record<string, string> }>('PUT', '/api/v1/district', doc);
    if (put.status !== 200)
      throw new Error(`district refused (${put.status}): ${JSON.stringify(put.body).slice(0, 2000)}`);
    return generated ?? planFromDocument(doc, put.body.issued_secrets ?? {});
  }
}
