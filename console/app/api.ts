import type { CallRequest } from '../../alerts/call-log';
import type { FullRecordView, OnSiteRecordView } from '../../registry/care-record';
import type { CareSettingName, CareSettingsChange, EffectiveCareSetting } from '../../registry/care-settings';
import type { Volunteer, Application as VolunteerApplication } from '../../registry/volunteer-sign-up';
import { emergencyResponseKind } from '../../services/api-schemas';
import { currentLanguage } from './i18n';
import { learnServiceKinds, serviceKindName } from './service-kind-names';
import type {
  AccountListing,
  AccountView,
  Alert,
  CatalogItem,
  Claim,
  ConsoleConfig,
  Device,
  DistrictReport,
  Elder,
  Me,
  OrgUnit,
  RecurringRequest,
  RedemptionRecord,
  Responder,
  ServiceKind,
  ServiceOrder,
  Statement,
  TimelineEntry,
  VitalsPoint,
  VolunteerRecord,
  WelfareOccurrence,
  WelfareSchedule,
} from './types';

export interface CareSettingsView {
  elder_id: string;
  org_unit_id: string;
  settings: Record<
    CareSettingName,
    EffectiveCareSetting & { unit_default_from_name: string | null; min: number; max: number; unit: string }
  >;
}

/** The hub's REST API under /api/v1, with the signed-in user's bearer token. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** A 400's bad entries by path (the setting, the field). */
    readonly issues: Array<{ path: string; message: string }> = [],
    /** The hub's sentence (English): numbers the app shows in its own words, e.g. a distance. */
    readonly said = '',
  ) {
    super(code);
  }
}

export class Api {
  constructor(private readonly token: string) {}

  /** The hub's VAPID public key (base64url), for `pushManager.subscribe`. */
  async pushPublicKey(): Promise<string> {
    return (await this.call<{ public_key: string }>('GET', '/push/public-key')).public_key;
  }

  /** This browser's push subscription, for the signed-in responder's offers. */
  async savePushSubscription(subscription: PushSubscriptionJSON, lang: 'zh' | 'en'): Promise<void> {
    await this.call('PUT', '/push/subscription', { ...subscription, lang });
  }

  async removePushSubscription(endpoint: string): Promise<void> {
    await this.call('DELETE', '/push/subscription', { endpoint });
  }

  private async call<T>(method: string, path: string, body?: unknown, idempotent = false): Promise<T> {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        // The time bank's writes: a retry with the same key would pay once; each click is a new intent.
        ...(idempotent ? { 'idempotency-key': crypto.randomUUID() } : {}),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = (await response.json().catch(() => ({}))) as {
        code?: string;
        error?: string;
        issues?: ApiError['issues'];
        message?: string;
      };
      throw new ApiError(
        response.status,
        error.code ?? error.error ?? String(response.status),
        error.issues,
        error.message,
      );
    }
    return (response.status === 204 ? null : await response.json()) as T;
  }

  me = () => this.call<Me>('GET', '/auth/me');
  logout = () => this.call<null>('POST', '/auth/logout');
  /** Every alert of a status, page by page (the hub gives at most `pageSize` at a time). */
  alerts = async (status: string, pageSize = 5000) => {
    const all: Alert[] = [];
    let cursor: string | null = null;
    do {
      const page: { alerts: Alert[]; next_cursor: string | null } = await this.call(
        'GET',
        `/alerts?status=${status}&limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      all.push(...page.alerts);
      cursor = page.next_cursor;
    } while (cursor);
    return all;
  };
  recentAlerts = async (limit = 50) =>
    (await this.call<{ alerts: Alert[] }>('GET', `/alerts?limit=${limit}`)).alerts;
  alert = (id: string) =>
    this.call<{ alert: Alert; timeline: TimelineEntry[]; people: Record<string, string> }>(
      'GET',
      `/alerts/${encodeURIComponent(id)}`,
    );
  acknowledge = (id: string) => this.call<Alert>('POST', `/alerts/${encodeURIComponent(id)}/acknowledge`);
  assign = (id: string, responderId: string) =>
    this.call<Alert>('POST', `/alerts/${encodeURIComponent(id)}/assign`, { responder_id: responderId });
  note = (id: string, text: string) =>
    this.call<null>('POST', `/alerts/${encodeURIComponent(id)}/notes`, { text });
  resolve = (id: string, outcome: string, note?: string) =>
    this.call<Alert>(
      'POST',
      `/alerts/${encodeURIComponent(id)}/resolve`,
      note ? { outcome, note } : { outcome },
    );
  devices = async () => (await this.call<{ devices: Device[] }>('GET', '/devices?limit=10000')).devices;
  elders = () => this.allPages<Elder>('/elders', 'elders');
  responders = () => this.allPages<Responder>('/responders', 'responders');

  /** A board read page by page (the hub answers at most a page per call). */
  private async allPages<T>(path: string, key: string): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: Record<string, unknown> = await this.call('GET', `${path}${query}`);
      rows.push(...(page[key] as T[]));
      cursor = page.next_cursor as string | null;
    } while (cursor);
    return rows;
  }
  vitals = async (elderId: string, from: number, to: number, step = 300) =>
    (
      await this.call<{ points: VitalsPoint[] }>(
        'GET',
        `/elders/${encodeURIComponent(elderId)}/vitals?from=${from}&to=${to}&step=${step}`,
      )
    ).points;
  /** The elder's care record (each read audited; `alertId`: the alert it is read for). */
  careRecord = (elderId: string, alertId?: string) =>
    this.call<FullRecordView | OnSiteRecordView>(
      'GET',
      `/elders/${encodeURIComponent(elderId)}${alertId ? `?alert=${encodeURIComponent(alertId)}` : ''}`,
    );
  /** The elder's settings: effective values, the unit default and where each comes from. */
  careSettings = (elderId: string) =>
    this.call<CareSettingsView>('GET', `/elders/${encodeURIComponent(elderId)}/settings`);
  changeCareSettings = (elderId: string, change: CareSettingsChange) =>
    this.call<CareSettingsView>('PATCH', `/elders/${encodeURIComponent(elderId)}/settings`, change);
  /** An elder's welfare check-ins and medication reminders, and what became of the latest (read audited). */
  welfareSchedules = async (elderId: string) =>
    (
      await this.call<{ schedules: WelfareSchedule[] }>(
        'GET',
        `/elders/${encodeURIComponent(elderId)}/welfare/schedules`,
      )
    ).schedules;
  welfareOccurrences = async (elderId: string, limit = 14) =>
    (
      await this.call<{ occurrences: WelfareOccurrence[] }>(
        'GET',
        `/elders/${encodeURIComponent(elderId)}/welfare/occurrences?limit=${limit}`,
      )
    ).occurrences;
  /** Creates a schedule (no `id`) or changes one; `null`: delete it. */
  saveWelfareSchedule = (elderId: string, id: string | null, body: Partial<WelfareSchedule> | null) => {
    const path = `/elders/${encodeURIComponent(elderId)}/welfare/schedules`;
    if (id === null) return this.call<WelfareSchedule>('POST', path, body);
    const one = `${path}/${encodeURIComponent(id)}`;
    return body === null ? this.call<unknown>('DELETE', one) : this.call<WelfareSchedule>('PATCH', one, body);
  };
  logCall = (alertId: string, call: CallRequest) =>
    this.call<unknown>('POST', `/alerts/${encodeURIComponent(alertId)}/calls`, call);
  /** The console's settings and the device types' words: asked once per sign-in. */
  consoleConfig = (() => {
    let config: Promise<ConsoleConfig> | undefined;
    return () => {
      config ??= this.call<ConsoleConfig>('GET', '/console/config');
      return config;
    };
  })();
  mapTileUrl = async () => (await this.consoleConfig()).map_tile_url;

  // Service orders and the time bank.
  serviceOrders = async (status?: string) => {
    const { orders } = await this.call<{ orders: ServiceOrder[] }>(
      'GET',
      `/service-orders${status ? `?status=${status}` : ''}`,
    );
    // A kind an admin added since the menu was last read: read it again, so every screen names it.
    if (orders.some((o) => o.kind !== emergencyResponseKind && !serviceKindName(o.kind, 'zh')))
      await this.serviceKinds();
    return orders;
  };
  /** Staff and family: the orders of their org unit (filters by status). */
  publishOrder = (order: { elder_id: string; kind: string; note: string; wanted_at: number }) =>
    this.call<ServiceOrder>('POST', '/service-orders', order);
  /** A taken order back to the community (volunteerId null) or to another of its volunteers. */
  reassignOrder = (id: string, volunteerId: string | null) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/reassign`, {
      volunteer_id: volunteerId,
    });
  cancelOrder = (id: string) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/cancel`);
  recurringRequests = async () =>
    (await this.call<{ recurring_requests: RecurringRequest[] }>('GET', '/recurring-requests'))
      .recurring_requests;
  publishRecurring = (rule: {
    elder_id: string;
    kind: string;
    note: string;
    weekdays: number[];
    time: string;
    starts_on: string;
  }) => this.call<RecurringRequest>('POST', '/recurring-requests', rule);
  /** The menu of service kinds, retired ones too; their names are learnt for every screen. */
  serviceKinds = async () => {
    const { kinds } = await this.call<{ kinds: ServiceKind[] }>('GET', '/service-kinds');
    learnServiceKinds(kinds);
    return kinds;
  };
  addServiceKind = (kind: { code: string; label_zh: string; label_en: string }) =>
    this.call<ServiceKind>('POST', '/service-kinds', kind);
  renameServiceKind = (code: string, labels: { label_zh: string; label_en: string }) =>
    this.call<ServiceKind>('PATCH', `/service-kinds/${encodeURIComponent(code)}`, labels);
  /** Retire a kind of the menu, or (`restore`) bring it back. */
  serviceKindState = (code: string, action: 'retire' | 'restore') =>
    this.call<ServiceKind>('POST', `/service-kinds/${encodeURIComponent(code)}/${action}`);
  stopRecurring = (id: string) =>
    this.call<RecurringRequest>('POST', `/recurring-requests/${encodeURIComponent(id)}/stop`);
  orderAction = (id: string, action: 'take' | 'hand-back') =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/${action}`);
  /** At the elder's home (the hub refuses beyond 100 m); the elder's watch then shows the visit's code. */
  checkInOrder = (id: string, at: { lat: number; lon: number }) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/check-in`, at);
  /** At the home, with the code the elder read out (none: the certification waits for a decision). */
  checkOutOrder = (id: string, at: { lat: number; lon: number }, code?: string) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/check-out`, {
      ...at,
      ...(code ? { code } : {}),
    });
  /** The family confirms the visit happened (instead of the elder's code). */
  confirmVisit = (id: string) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/confirm`);
  /** The volunteer's own services, minutes and months. */
  volunteerRecord = () => this.call<VolunteerRecord>('GET', '/service-orders/mine');
  rateOrder = (id: string, rating: number, comment?: string) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/rate`, {
      rating,
      ...(comment ? { comment } : {}),
    });
  /** A family's gift from its own account to its elder's (kinship is checked by the hub). */
  giveToElder = (familyUnit: string, elderId: string, minutes: number) =>
    this.call(
      'POST',
      '/timebank/transfers',
      { from: { owner_id: familyUnit, kind: 'family' }, to: { owner_id: elderId, kind: 'elder' }, minutes },
      true,
    );
  certify = (id: string, claimedMinutes: number) =>
    this.call<ServiceOrder>('POST', `/service-orders/${encodeURIComponent(id)}/certify`, {
      claimed_minutes: claimedMinutes,
    });
  flaggedClaims = async () =>
    (await this.call<{ services: Claim[] }>('GET', '/timebank/deposits?status=flagged')).services;
  /** Through the order, so its credits and timeline record the decision too (a service's id is its order's). */
  decideClaim = (serviceId: string, minutes: number) =>
    this.call('POST', `/service-orders/${encodeURIComponent(serviceId)}/decision`, {
      approve: minutes > 0,
      ...(minutes > 0 ? { minutes } : {}),
    });
  accounts = async (kind?: string) =>
    (
      await this.call<{ accounts: AccountListing[] }>(
        'GET',
        `/timebank/accounts${kind ? `?kind=${kind}` : ''}`,
      )
    ).accounts;
  account = (ownerId: string, kind: string, limit = 50) =>
    this.call<AccountView>(
      'GET',
      `/timebank/accounts/${encodeURIComponent(ownerId)}?kind=${kind}&limit=${limit}`,
    );
  statement = (ownerId: string, kind: string) =>
    this.call<Statement>('GET', `/timebank/accounts/${encodeURIComponent(ownerId)}/statement?kind=${kind}`);
  catalog = async (orgUnit?: string, withdrawn = false) =>
    (
      await this.call<{ items: CatalogItem[] }>(
        'GET',
        `/timebank/catalog?withdrawn=${withdrawn}${orgUnit ? `&org_unit=${encodeURIComponent(orgUnit)}` : ''}`,
      )
    ).items;
  addItem = (item: { org_unit_id: string; name: string; price_minutes: number; stock: number }) =>
    this.call<CatalogItem>('POST', '/timebank/catalog', item);
  changeItem = (
    id: string,
    change: Partial<Pick<CatalogItem, 'name' | 'price_minutes' | 'stock' | 'active'>>,
  ) => this.call<CatalogItem>('PATCH', `/timebank/catalog/${encodeURIComponent(id)}`, change);
  redeem = (payer: { owner_id: string; kind: string }, itemId: string, quantity = 1) =>
    this.call<{ stock_left: number }>(
      'POST',
      '/timebank/redemptions',
      { payer, item_id: itemId, quantity },
      true,
    );
  redemptions = async () =>
    (await this.call<{ redemptions: RedemptionRecord[] }>('GET', '/timebank/redemptions')).redemptions;

  // Reports.
  orgUnits = async () => (await this.call<{ org_units: OrgUnit[] }>('GET', '/reports/org-units')).org_units;
  report = (query: string) => this.call<DistrictReport>('GET', `/reports/summary?${query}`);

  // Volunteers' vetting.
  volunteerApplications = async () =>
    (await this.call<{ applications: VolunteerApplication[] }>('GET', '/volunteers/applications'))
      .applications;
  decideApplication = (id: string, reason: string | null) =>
    this.call<VolunteerApplication>(
      'POST',
      `/volunteers/applications/${encodeURIComponent(id)}/${reason === null ? 'approve' : 'refuse'}`,
      reason === null ? undefined : { reason },
    );
  volunteers = async () => (await this.call<{ volunteers: Volunteer[] }>('GET', '/volunteers')).volunteers;
  addTraining = (id: string, training: { course: string; taken_on: string }) =>
    this.call<null>('POST', `/volunteers/${encodeURIComponent(id)}/trainings`, training);
  renewCertificate = (id: string, certificate: { number: string; expires_on: string }) =>
    this.call<null>('PUT', `/volunteers/${encodeURIComponent(id)}/certificate`, certificate);

  /**
   * A file the hub sends as an attachment (a statement, a report), saved under the hub's name for it;
   * its headers and kinds in the language the app is shown in.
   */
  async download(path: string): Promise<void> {
    const url = `/api/v1${path}${path.includes('?') ? '&' : '?'}lang=${currentLanguage()}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw new ApiError(response.status, String(response.status));
    const name =
      /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

/** Signs in: the token, or why not (wrong credentials; or locked after repeated failures, for how long). */
export async function login(
  username: string,
  password: string,
): Promise<{ token: string } | { refused: 'bad' } | { refused: 'locked'; retryAfterS: number }> {
  const response = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status === 401) return { refused: 'bad' };
  if (response.status === 429) {
    return { refused: 'locked', retryAfterS: Number(response.headers.get('retry-after')) || 900 };
  }
  if (!response.ok) throw new ApiError(response.status, 'login_failed');
  return { token: ((await response.json()) as { token: string }).token };
}
