import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import type { Alert } from '../alerts/alert-model.js';
import type { HubApi } from './fleet/hub-api.js';

interface ServiceRecord {
  id: string;
  alert_id: string | null;
  volunteer_id: string | null;
  measured_minutes: number | null;
  credit: { status: string; credited_minutes: number | null } | null;
}

/**
 * The demo's simulated duty specialist (值班专员) of the street. Responders cannot close an
 * alert: a specialist does, once told help was given. The desk hears the console's live feed;
 * `dwellMs` after a responder is on site it closes the alert (`help_given`), enters the elder's
 * rating given by phone and certifies the measured minutes, so the volunteer's credits arrive.
 * An alert a person closed first is theirs to rate and certify.
 */
export class DutyDesk {
  private socket: Socket | undefined;
  private readonly handled = new Set<string>();
  private stopped = false;

  constructor(
    private readonly deps: {
      baseUrl: string;
      /** Signed in as the desk's specialist. */
      api: HubApi;
      dwellMs: number;
      /** Lets `ms` of the visit pass (the demo waits; a test moves the hub's clock). */
      serviceTime: (ms: number) => Promise<void>;
      say: (line: string) => void;
      logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const socket = io(`${this.deps.baseUrl}/console`, {
      auth: { token: await this.deps.api.login() },
      transports: ['websocket'],
    });
    this.socket = socket;
    socket.on('alert', (alert: Alert) => this.heard(alert));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // Responders already on site when the demo (re)started.
    const onSite = await this.deps.api.call<{ alerts?: Alert[] }>('GET', '/api/v1/alerts?status=on_site');
    for (const alert of onSite.body.alerts ?? []) this.heard(alert);
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  private heard(alert: Alert): void {
    if (alert.status !== 'on_site' || this.handled.has(alert.id)) return;
    this.handled.add(alert.id);
    this.close(alert).catch((error: unknown) => {
      // A demo stopping mid-visit is no fault.
      if (!this.stopped)
        this.deps.logger.warn({ err: error, alert: alert.id }, 'duty desk did not finish an alert');
    });
  }

  private async close(alert: Alert): Promise<void> {
    const { api, say } = this.deps;
    await this.deps.serviceTime(this.deps.dwellMs);
    if (this.stopped) return;
    const closed = await api.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
      outcome: 'help_given',
      note: '志愿者来电：已帮助，老人平安 — the volunteer called: help given',
    });
    if (closed.status !== 200) return;
    say(`值班台 duty desk 结案 resolved: ${alert.elder_name ?? alert.id} — help given`);
    const record = await this.recordOf(alert.id);
    // A staff member's visit, or a record not written: no credits to certify.
    if (!record?.volunteer_id) return;
    const rated = await api.call('POST', `/api/v1/service-orders/${record.id}/rate`, {
      rating: 5,
      comment: '电话回访：很满意 (given by phone)',
    });
    const certified = await api.call<ServiceRecord>('POST', `/api/v1/service-orders/${record.id}/certify`, {
      claimed_minutes: record.measured_minutes ?? 0,
    });
    if (rated.status !== 200 || certified.status !== 200) {
      this.deps.logger.warn({ rated: rated.body, certified: certified.body }, 'service not certified');
      return;
    }
    const account = await api.call<{ balance_minutes: number }>(
      'GET',
      `/api/v1/timebank/accounts/${record.volunteer_id}?kind=volunteer`,
    );
    say(
      `${record.volunteer_id} 获得时间币 credited ${certified.body.credit?.credited_minutes ?? 0} min ` +
        `(余额 balance ${account.body.balance_minutes} min)`,
    );
  }

  /** The service record the hub writes when an alert a volunteer answered closes (a moment later). */
  private async recordOf(alertId: string): Promise<ServiceRecord | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const done = await this.deps.api.call<{ orders?: ServiceRecord[] }>(
        'GET',
        '/api/v1/service-orders?status=done&limit=1000',
      );
      const record = done.body.orders?.find((o) => o.alert_id === alertId);
      if (record) return record;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }
}
