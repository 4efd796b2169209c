import { h } from '../dom';
import { ageOn } from '../elder-age';
import { elapsed, t, term } from '../i18n';
import { type Alert, severityRank } from '../types';

/** Unacknowledged this long, an open alert's age turns red. */
export const acknowledgeWithinMs = 60_000;

const statusRank: Record<string, number> = { open: 0, assigned: 1, on_site: 2 };

/** A critical alert nobody has acknowledged yet: it heads the queue, the newest on top. */
const unansweredCritical = (a: Alert) =>
  a.severity === 'critical' && a.status === 'open' && a.acknowledged_at === null;

/**
 * Queue order: unacknowledged critical alerts first, newest first (a new SOS must not land
 * below the fold); then waiting before handled, by severity, whoever has waited longest.
 */
export function queueOrder(a: Alert, b: Alert): number {
  const ua = unansweredCritical(a);
  const ub = unansweredCritical(b);
  if (ua !== ub) return ua ? -1 : 1;
  if (ua) return b.opened_at - a.opened_at;
  return (
    (statusRank[a.status] ?? 3) - (statusRank[b.status] ?? 3) ||
    severityRank[a.severity] - severityRank[b.severity] ||
    a.opened_at - b.opened_at
  );
}

/** Where the elder lives: the community and the building, which tell people of one name apart. */
export function placeText(alert: Alert): string {
  return [alert.community_name, alert.elder_address].filter(Boolean).join(' · ') || '–';
}

export const isOverdue = (alert: Alert, now: number): boolean =>
  alert.status === 'open' && alert.acknowledged_at === null && now - alert.opened_at > acknowledgeWithinMs;

export function severityBadge(severity: string): HTMLElement {
  return h('span', { class: `badge sev-${severity}` }, term('severity', severity));
}

export function statusText(alert: Alert): HTMLElement {
  return h(
    'span',
    { class: `status st-${alert.status}` },
    term('status', alert.status),
    alert.status === 'open'
      ? h(
          'span',
          { class: alert.acknowledged_at ? 'ack yes' : 'ack no' },
          ` · ${alert.acknowledged_at ? t('acknowledged') : t('notAcknowledged')}`,
        )
      : null,
  );
}

/** Fills one queue row; the age cell is kept current by `refreshAge`. */
export function fillRow(
  row: HTMLTableRowElement,
  alert: Alert,
  now: number,
  acknowledge: (id: string) => void,
): void {
  row.dataset.id = alert.id;
  row.dataset.status = alert.status;
  row.dataset.severity = alert.severity;
  row.dataset.kind = alert.kind;
  row.dataset.acked = String(alert.acknowledged_at !== null);
  const age = h('td', { class: 'age' });
  const link = h(
    'a',
    { href: `#/alert/${encodeURIComponent(alert.id)}`, class: 'elder-link' },
    alert.elder_name ?? alert.elder_id ?? alert.device_id ?? alert.id,
  );
  const action =
    alert.status === 'open' && alert.acknowledged_at === null
      ? h(
          'button',
          { type: 'button', class: 'small', onclick: () => acknowledge(alert.id) },
          t('acknowledge'),
        )
      : null;
  row.replaceChildren(
    h('td', {}, severityBadge(alert.severity)),
    h('td', {}, term('kind', alert.kind)),
    h(
      'th',
      { scope: 'row' },
      link,
      // With the place, the age tells apart elders who share a name.
      alert.elder_birth_date
        ? h('span', { class: 'elder-age' }, ` · ${t('yearsOld', { n: ageOn(alert.elder_birth_date) })}`)
        : null,
    ),
    h('td', { class: 'place' }, placeText(alert)),
    age,
    h('td', {}, statusText(alert)),
    h('td', { class: 'row-action' }, action),
  );
  refreshAge(row, alert, now);
}

export function refreshAge(row: HTMLTableRowElement, alert: Alert, now: number): void {
  const cell = row.cells[4];
  if (!cell) return;
  const text = elapsed(now - alert.opened_at);
  if (cell.textContent !== text) cell.textContent = text;
  const overdue = isOverdue(alert, now);
  if (row.classList.contains('overdue') !== overdue) row.classList.toggle('overdue', overdue);
}
