import type { Api } from '../api';
import type { AppContext } from '../context';
import { announce, fill, h } from '../dom';
import { hasPosition, metresBetween } from '../geo';
import { formatTime, t, term } from '../i18n';
import { actorText, noteText } from '../timeline-text';
import {
  type Alert,
  activeStatuses,
  type Elder,
  outcomes,
  type Responder,
  type TimelineEntry,
} from '../types';
import { severityBadge, statusText } from './alert-row';
import { showCareRecord } from './care-record-panel';
import { deviceHealthList } from './device-health';

const vitalsWindowMs = 6 * 3600_000;

/**
 * One alert: who it is about, their devices, the evidence, the dispatch timeline, who is
 * coming, and the specialist's actions. It reloads itself when the live feed says it changed.
 */
export function alertDetailScreen(root: HTMLElement, context: AppContext, id?: string): () => void {
  const { api, store } = context;
  if (!id) {
    location.hash = '#/queue';
    return () => undefined;
  }
  let disposed = false;
  let stopChart: (() => void) | undefined;
  const status = h('p', { class: 'form-status', role: 'status' });
  const head = h('div', { class: 'detail-head' });
  const coming = h('section', { class: 'card coming', 'aria-labelledby': 'coming-title' });
  const timeline = h('section', { class: 'card', 'aria-labelledby': 'timeline-title' });
  const actions = h('section', { class: 'card actions', 'aria-labelledby': 'actions-title' });
  const profile = h('section', { class: 'card', 'aria-labelledby': 'profile-title' });
  const evidence = h('section', { class: 'card evidence', 'aria-labelledby': 'evidence-title' });
  const careRecord = h('section', { class: 'card care-record', 'aria-labelledby': 'record-title' });
  root.replaceChildren(
    h(
      'div',
      { class: 'detail' },
      h('a', { href: '#/queue', class: 'back' }, `← ${t('back')}`),
      head,
      status,
      h(
        'div',
        { class: 'detail-grid' },
        h('div', {}, coming, actions, timeline),
        h('div', {}, careRecord, profile, evidence),
      ),
    ),
  );

  let elders: Elder[] = [];
  let responders: Responder[] = [];
  let current: Alert | undefined;

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      announce(status, t('done'));
      await reload();
    } catch (error) {
      announce(status, t('failed', { reason: (error as Error).message }), 'error');
    }
  };

  let generation = 0; // a reload answered after a newer one started would draw the older state
  let shown = ''; // the alert as this screen last put it into the store
  const reload = async () => {
    const mine = ++generation;
    const [detail, r] = await Promise.all([api.alert(id), api.responders().catch(() => [])]);
    if (disposed || mine !== generation) return;
    responders = r;
    current = detail.alert;
    // Only a change: putting the same alert back would tell this screen to reload again, every 500 ms.
    if (JSON.stringify(detail.alert) !== shown) store.put(detail.alert, false);
    shown = JSON.stringify(detail.alert);
    drawHead(head, detail.alert);
    drawComing(coming, detail.alert, elders, responders);
    const nameOf = (who: string) => responders.find((x) => x.id === who)?.name ?? who;
    drawTimeline(timeline, detail.timeline, nameOf);
    drawActions(actions, detail.alert, responders, api, act);
  };

  const loadProfile = async (alert: Alert) => {
    const [allElders, devices] = await Promise.all([api.elders(), api.devices().catch(() => [])]);
    if (disposed) return;
    elders = allElders;
    const elder = elders.find((e) => e.id === alert.elder_id);
    fill(
      profile,
      h('h2', { id: 'profile-title' }, t('profile')),
      elder
        ? h(
            'dl',
            { class: 'facts' },
            h('dt', {}, t('name')),
            h('dd', {}, elder.name),
            h('dt', {}, t('address')),
            h('dd', {}, elder.address),
          )
        : h('p', {}, alert.elder_name ?? '–'),
      h('h3', {}, t('devicesHealth')),
      deviceHealthList(devices.filter((d) => d.elder_id === alert.elder_id)),
      detailsList(alert.details),
    );
    drawComing(coming, alert, elders, responders);
    void showCareRecord(careRecord, api, alert);
    if (!alert.elder_id) return;
    const to = Math.max(Date.now(), alert.opened_at + 60_000);
    const points = await api.vitals(alert.elder_id, to - vitalsWindowMs, to).catch(() => []);
    if (disposed) return;
    const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('evidence') });
    evidence.replaceChildren(
      h('h2', { id: 'evidence-title' }, t('evidence')),
      points.length ? chartBox : h('p', { class: 'empty' }, t('noVitals')),
    );
    if (points.length) {
      const { drawVitals } = await import('./vitals-chart');
      if (!disposed) stopChart = drawVitals(chartBox, points, alert.opened_at);
    }
  };

  reload().then(
    () => current && loadProfile(current),
    (error: Error) => announce(status, t('failed', { reason: error.message }), 'error'),
  );
  // Live: when the feed says this alert changed, fetch its timeline again (at most twice a second).
  let pending: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = store.subscribe(({ changed }) => {
    if (!changed.has(id) || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      void reload().catch(() => undefined);
    }, 500);
  });
  return () => {
    disposed = true;
    unsubscribe();
    clearTimeout(pending);
    stopChart?.();
  };
}

function drawHead(head: HTMLElement, alert: Alert): void {
  head.replaceChildren(
    h(
      'h2',
      { id: 'detail-title' },
      severityBadge(alert.severity),
      ' ',
      term('kind', alert.kind),
      ' · ',
      alert.elder_name ?? alert.device_id ?? '',
    ),
    h('p', { class: 'meta' }, statusText(alert), ` · ${formatTime(alert.opened_at)}`),
  );
}

/** Who is coming and how far away they are now (from their last shared location). */
function drawComing(section: HTMLElement, alert: Alert, elders: Elder[], responders: Responder[]): void {
  const responder = responders.find((r) => r.id === alert.assignee_id);
  const elder = elders.find((e) => e.id === alert.elder_id);
  let line: string;
  if (!alert.assignee_id) line = t('nobodyComing');
  else {
    const name = responder ? `${responder.name} · ${term('responder', responder.kind)}` : alert.assignee_id;
    const away =
      responder && elder && hasPosition(responder) && hasPosition(elder)
        ? ` · ${t('away', { m: Math.round(metresBetween(responder, elder) / 10) * 10 })}`
        : '';
    line = `${name}${away}`;
  }
  section.replaceChildren(
    h('h2', { id: 'coming-title' }, t('coming')),
    h('p', { class: 'coming-line', 'data-assignee': alert.assignee_id ?? '' }, line),
  );
}

function drawTimeline(section: HTMLElement, entries: TimelineEntry[], nameOf: (id: string) => string): void {
  section.replaceChildren(
    h('h2', { id: 'timeline-title' }, t('timeline')),
    h(
      'ol',
      { class: 'timeline' },
      ...entries.map((e) =>
        h(
          'li',
          {},
          h('time', { datetime: new Date(e.at).toISOString() }, formatTime(e.at)),
          ' ',
          h('strong', {}, actorText(e.actor, nameOf)),
          e.from_status === null
            ? ` ${term('status', e.to_status)}`
            : e.from_status !== e.to_status
              ? ` ${term('status', e.from_status)} → ${term('status', e.to_status)}`
              : '',
          e.note || e.code
            ? h('span', { class: 'note', 'data-code': e.code ?? '' }, ` ${noteText(e, nameOf)}`)
            : null,
        ),
      ),
    ),
  );
}

function drawActions(
  section: HTMLElement,
  alert: Alert,
  responders: Responder[],
  api: Api,
  act: (work: () => Promise<unknown>) => Promise<void>,
): void {
  const active = activeStatuses.includes(alert.status);
  const choices = [...responders].sort(
    (a, b) => Number(b.on_duty && !b.task_alert_id) - Number(a.on_duty && !a.task_alert_id),
  );
  const responderSelect = h(
    'select',
    { id: 'assign-to' },
    ...choices.map((r) =>
      h(
        'option',
        { value: r.id, selected: r.id === alert.assignee_id },
        `${r.name} · ${term('responder', r.kind)} · ${r.task_alert_id ? t('busy') : r.on_duty ? t('onDuty') : t('offDuty')}`,
      ),
    ),
  );
  const noteText = h('textarea', { id: 'note-text', rows: 2, maxlength: 2000 });
  const outcome = h(
    'select',
    { id: 'outcome' },
    ...outcomes.map((o) => h('option', { value: o }, term('outcome', o))),
  );
  const form = (label: string, onsubmit: () => Promise<unknown>, ...fields: Node[]) => {
    const f = h('form', { class: 'action' }, ...fields, h('button', { type: 'submit' }, label));
    f.addEventListener('submit', (event) => {
      event.preventDefault();
      void act(onsubmit);
    });
    return f;
  };
  fill(
    section,
    h('h2', { id: 'actions-title' }, t('actions')),
    alert.status === 'open' && !alert.acknowledged_at
      ? h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'acknowledge',
            onclick: () => act(() => api.acknowledge(alert.id)),
          },
          t('acknowledge'),
        )
      : h(
          'p',
          { class: 'meta' },
          alert.acknowledged_by ? `${t('acknowledged')} · ${alert.acknowledged_by}` : '',
        ),
    active
      ? form(
          t('assign'),
          () => api.assign(alert.id, responderSelect.value),
          h('label', { for: 'assign-to' }, t('assignTo')),
          responderSelect,
        )
      : null,
    form(
      t('addNote'),
      async () => {
        if (noteText.value.trim()) await api.note(alert.id, noteText.value.trim());
      },
      h('label', { for: 'note-text' }, t('note')),
      noteText,
    ),
    active
      ? form(
          t('resolve'),
          () => api.resolve(alert.id, outcome.value, noteText.value.trim() || undefined),
          h('label', { for: 'outcome' }, t('outcome')),
          outcome,
        )
      : h('p', {}, `${term('status', alert.status)} · ${term('outcome', alert.outcome ?? '')}`),
  );
}

/** The alert's evidence fields (confidence, readings…) as plain facts. */
function detailsList(details: Record<string, unknown>): HTMLElement | null {
  const entries = Object.entries(details).filter(([, v]) => v !== null && typeof v !== 'object');
  if (!entries.length) return null;
  return h(
    'details',
    {},
    h('summary', {}, t('details')),
    h('dl', { class: 'facts' }, ...entries.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
  );
}
