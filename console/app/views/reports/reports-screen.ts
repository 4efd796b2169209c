import { formatDuration, formatShare } from '../../../../reports/report-texts';
import type { AppContext } from '../../context';
import { dayMs, dayStart, localDay } from '../../district-time';
import { announce, fill, h } from '../../dom';
import { currentLanguage, type TextKey, t } from '../../i18n';
import type { DistrictReport } from '../../types';
import { actionRunner } from '../data-table';
import { feedbackSection } from './feedback-tables';

// The same words as the downloads: one formatting for the screen and the files.
const percent = (v: number | null) => formatShare(v, '–');
const secs = (v: number | null) => formatDuration(v, currentLanguage(), '–');
/** The first day of the month `back` months before the one `day` lies in (YYYY-MM-DD). */
const monthStart = (day: string, back: number) => {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1 - back, 1));
  return first.toISOString().slice(0, 10);
};

/** Reports for an org unit and a period: key figures, service levels, four charts, CSV and Excel. */
export function reportsScreen(root: HTMLElement, { api, me }: AppContext): () => void {
  let disposed = false;
  let stopCharts: (() => void) | undefined;
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const run = actionRunner(status, async () => undefined);
  const unit = h('select', { id: 'report-unit' });
  const today = localDay(Date.now());
  const from = h('input', {
    id: 'report-from',
    type: 'date',
    value: localDay(Date.now() - 29 * dayMs),
    required: true,
  });
  const to = h('input', { id: 'report-to', type: 'date', value: today, required: true });
  const output = h('div', { class: 'report', 'aria-live': 'polite' });
  /** The query, or what is wrong with the dates (each case in its own words). */
  const query = (): { q: string } | { error: TextKey } => {
    const start = dayStart(from.value);
    const end = dayStart(to.value) + dayMs;
    if (!Number.isFinite(start) || !Number.isFinite(end)) return { error: 'badDate' };
    if (start >= end) return { error: 'startAfterEnd' };
    if (end - start > 92 * dayMs) return { error: 'rangeTooLong' };
    return { q: `org_unit=${encodeURIComponent(unit.value)}&from=${start}&to=${end}` };
  };
  const preset = (label: TextKey, range: () => [string, string]) =>
    h(
      'button',
      {
        type: 'button',
        'data-preset': label,
        onclick: () => {
          [from.value, to.value] = range();
          void show();
        },
      },
      t(label),
    );
  const lastDays = (days: number) => (): [string, string] => [
    localDay(Date.now() - (days - 1) * dayMs),
    today,
  ];
  const form = h(
    'form',
    { class: 'report-query' },
    h('label', { for: 'report-unit' }, t('reportUnit')),
    unit,
    h('label', { for: 'report-from' }, t('periodFrom')),
    from,
    h('label', { for: 'report-to' }, t('periodTo')),
    to,
    h('button', { type: 'submit', class: 'primary' }, t('showReport')),
    h(
      'span',
      { class: 'presets' },
      preset('thisMonth', () => [monthStart(today, 0), today]),
      preset('lastMonth', () => [monthStart(today, 1), localDay(dayStart(monthStart(today, 0)) - dayMs)]),
      preset('last7', lastDays(7)),
      preset('last30', lastDays(30)),
      preset('last90', lastDays(90)),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void show();
  });
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'reports-title', class: 'reports' },
      h('div', { class: 'section-head' }, h('h2', { id: 'reports-title' }, t('reportsTitle'))),
      form,
      status,
      output,
    ),
  );

  const show = async () => {
    const asked = query();
    if ('error' in asked) {
      // Figures of another period must not stand under the error as if they answered it.
      stopCharts?.();
      stopCharts = undefined;
      output.replaceChildren();
      return announce(status, t(asked.error), 'error');
    }
    const { q } = asked;
    announce(status, t('loading'));
    const report = await api.report(q).catch((error: Error) => {
      announce(status, t('failed', { reason: error.message }), 'error');
      return null;
    });
    if (!report || disposed) return;
    announce(status, '');
    await draw(report, q);
  };

  const draw = async (report: DistrictReport, q: string) => {
    stopCharts?.();
    const box = (id: string, title: TextKey) =>
      h('div', { class: 'chart', id, role: 'img', 'aria-label': t(title) });
    const boxes = {
      kinds: box('chart-kinds', 'alertsByKind'),
      days: box('chart-days', 'alertsByDay'),
      units: box('chart-units', 'byUnit'),
      volunteers: box('chart-volunteers', 'topVolunteers'),
    };
    const levels = report.service_levels;
    const figure = (label: TextKey, value: string, note = '') =>
      h(
        'div',
        { class: 'figure' },
        h('span', { class: 'label' }, t(label)),
        h('strong', {}, value),
        note ? h('span', { class: 'meta' }, note) : null,
      );
    // Each chart says for itself when it has nothing to show.
    const card = (title: TextKey, chart: HTMLElement, hasData: boolean, empty: TextKey) =>
      h(
        'section',
        { class: 'card' },
        h('h3', {}, t(title)),
        hasData ? chart : h('p', { class: 'empty' }, t(empty)),
      );
    const unitsHaveData = report.by_unit.some((u) => u.alerts > 0 || u.services > 0);
    const spread = (label: TextKey, s: { median_s: number | null; p90_s: number | null }) => [
      h('dt', {}, t(label)),
      h('dd', {}, t('medianP90', { m: secs(s.median_s), p: secs(s.p90_s) })),
    ];
    fill(
      output,
      h(
        'div',
        { class: 'figures', id: 'report-figures' },
        figure('totalAlerts', String(report.totals.alerts)),
        figure('falseAlarmShare', percent(report.totals.false_alarm_share)),
        figure(
          'volunteerHours',
          t('hours', { h: (report.totals.volunteer_minutes / 60).toFixed(1) }),
          `${t('services')} ${report.totals.services}`,
        ),
        figure(
          'ack60',
          percent(levels.acknowledged_within_60s),
          t('target', { v: percent(levels.targets.answered_60s) }),
        ),
      ),
      h(
        'div',
        { class: 'toolbar downloads' },
        h('span', { class: 'meta' }, t('downloads')),
        h(
          'button',
          {
            type: 'button',
            id: 'report-csv',
            onclick: () => run(() => api.download(`/reports/summary?${q}&format=csv`)),
          },
          t('downloadCsv'),
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'report-xlsx',
            onclick: () => run(() => api.download(`/reports/summary?${q}&format=xlsx`)),
          },
          t('downloadXlsx'),
        ),
      ),
      h(
        'div',
        { class: 'report-grid' },
        card('alertsByKind', boxes.kinds, report.by_kind.length > 0, 'noAlertsInPeriod'),
        card('alertsByDay', boxes.days, report.by_day.length > 0, 'noAlertsInPeriod'),
        card('byUnit', boxes.units, unitsHaveData, 'noData'),
        card('topVolunteers', boxes.volunteers, report.volunteers.length > 0, 'noServicesInPeriod'),
        h(
          'section',
          { class: 'card' },
          h('h3', {}, t('serviceLevels')),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, t('ack60')),
            h(
              'dd',
              {},
              `${percent(levels.acknowledged_within_60s)}${t('targetAfter', { v: percent(levels.targets.answered_60s) })}`,
            ),
            h('dt', {}, t('ack180')),
            h(
              'dd',
              {},
              `${percent(levels.acknowledged_within_180s)}${t('targetAfter', { v: percent(levels.targets.answered_180s) })}`,
            ),
            h('dt', {}, t('onSite45')),
            h('dd', {}, percent(levels.on_site_within_45min)),
            ...spread('timeToAck', levels.acknowledge),
            ...spread('timeToAccept', levels.accept),
            ...spread('timeToArrive', levels.arrive),
          ),
        ),
      ),
      feedbackSection(report.feedback),
    );
    const { drawReportCharts } = await import('./report-charts');
    if (!disposed) stopCharts = drawReportCharts(boxes, report);
  };

  const start = async () => {
    const units = await api.orgUnits();
    if (disposed) return;
    const own = units.find((u) => u.id === me.org_unit_id) ?? units[0];
    fill(unit, ...units.map((u) => h('option', { value: u.id, selected: u === own }, u.name)));
    await show();
  };
  void start().catch((error: Error) => run(() => Promise.reject(error)));
  return () => {
    disposed = true;
    stopCharts?.();
  };
}
