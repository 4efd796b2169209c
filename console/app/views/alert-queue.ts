import type { AppContext } from '../context';
import { h } from '../dom';
import { t } from '../i18n';
import { fillRow, queueOrder, refreshAge } from './alert-row';
import { toast } from './toast';

declare global {
  interface Window {
    /** Durations (ms) of the queue's DOM passes, read by the browser tests. */
    __queuePerf?: { flushes: number[] };
  }
}

/**
 * The live alert queue. Rows are keyed by alert id: an update rewrites its own row and
 * moves rows only where the order changed; ages tick once a second by text alone.
 */
export function alertQueueScreen(root: HTMLElement, { api, store }: AppContext): () => void {
  const rows = new Map<string, HTMLTableRowElement>();
  const body = h('tbody');
  const empty = h('p', { class: 'empty' }, store.loaded ? t('noAlerts') : t('loading'));
  const count = h('p', { class: 'count' });
  window.__queuePerf ??= { flushes: [] };
  const perf = window.__queuePerf;

  const acknowledge = (id: string) =>
    api.acknowledge(id).then(
      (alert) => store.put(alert, false),
      (error: Error) => toast(t('failed', { reason: error.message })),
    );

  const apply = (changed: Iterable<string>) => {
    const started = performance.now();
    const now = Date.now();
    for (const id of changed) {
      const alert = store.alerts.get(id);
      let row = rows.get(id);
      if (!alert) {
        row?.remove();
        rows.delete(id);
        continue;
      }
      if (!row) {
        row = h('tr');
        rows.set(id, row);
      }
      fillRow(row, alert, now, acknowledge);
    }
    const sorted = [...store.alerts.values()].sort(queueOrder);
    let cursor = body.firstElementChild;
    for (const alert of sorted) {
      const row = rows.get(alert.id)!;
      if (row === cursor) cursor = cursor.nextElementSibling;
      else body.insertBefore(row, cursor);
    }
    const unacknowledged = sorted.filter((a) => a.status === 'open' && a.acknowledged_at === null).length;
    count.textContent = t('queueCount', { n: sorted.length, u: unacknowledged });
    empty.hidden = sorted.length > 0;
    empty.textContent = store.loaded ? t('noAlerts') : t('loading');
    perf.flushes.push(performance.now() - started);
  };

  root.replaceChildren(
    h(
      'section',
      { class: 'queue', 'aria-labelledby': 'queue-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'queue-title' }, t('queueTitle')), count),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'alerts', id: 'alert-queue' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('severity')),
              h('th', { scope: 'col' }, t('kind')),
              h('th', { scope: 'col' }, t('elder')),
              h('th', { scope: 'col' }, t('place')),
              h('th', { scope: 'col' }, t('age')),
              h('th', { scope: 'col' }, t('status')),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('actions'))),
            ),
          ),
          body,
        ),
      ),
      empty,
    ),
  );
  apply(store.alerts.keys());
  const unsubscribe = store.subscribe(({ changed }) => apply(changed));
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const [id, row] of rows) {
      const alert = store.alerts.get(id);
      if (alert) refreshAge(row, alert, now);
    }
  }, 1000);
  return () => {
    unsubscribe();
    clearInterval(ticker);
  };
}
