import { formatDuration, formatShare } from '../../../reports/report-texts';
import { h } from '../dom';
import { currentLanguage, formatTime, metricName, t } from '../i18n';
import * as words from '../texts/details';

/** One evidence value in the reader's words: times as times, durations, shares, metres. */
function valueText(key: string, value: string | number | boolean): string {
  const lang = currentLanguage();
  if (typeof value === 'boolean') return value ? t('yes') : t('no');
  if (typeof value === 'number') {
    if (/(_at|_ts|_since)$/.test(key)) return formatTime(value);
    if (key.endsWith('_ms')) return formatDuration(value / 1000, lang);
    if (key.endsWith('confidence')) return formatShare(value);
    if (key.endsWith('_m')) return t('metres', { m: Math.round(value) });
    if (key === 'battery') return `${value}%`;
    if (key === 'breathing_rate') return t('perMinute', { n: value });
    return value.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  }
  if (key === 'metric') return metricName(value);
  return (lang === 'zh' ? words.valuesZh : words.valuesEn)[value] ?? value;
}

/** The alert's evidence fields (confidence, readings…) as plain facts in the reader's language. */
export function detailsList(details: Record<string, unknown>): HTMLElement | null {
  const entries = Object.entries(details).filter(
    (entry): entry is [string, string | number | boolean] =>
      entry[1] !== null &&
      ['string', 'number', 'boolean'].includes(typeof entry[1]) &&
      // A device's event id helps nobody at the console (the hub keeps it for support).
      !entry[0].endsWith('event_id'),
  );
  if (!entries.length) return null;
  const labels = currentLanguage() === 'zh' ? words.zh : words.en;
  return h(
    'details',
    { class: 'alert-details' },
    h('summary', {}, t('details')),
    h(
      'dl',
      { class: 'facts' },
      ...entries.flatMap(([k, v]) => [
        h('dt', { 'data-key': k }, labels[k] ?? k),
        h('dd', {}, valueText(k, v)),
      ]),
    ),
  );
}
