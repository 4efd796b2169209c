import { t } from '../i18n';

/**
 * What a chart shows, as one sentence for a screen reader (the chart's aria-label): ECharts' own
 * description reads raw timestamps and NaN, in stilted English even on the Chinese screen.
 */
export function chartDescription(title: string, items: ChartItem[]): string {
  return `${title}${t('chartItemSeparator')}${itemsText(items)}`;
}

export interface ChartItem {
  name: string;
  values: string[];
}

/** "误报 1，其他 3；…": each item with its values, in the reader's punctuation. */
export function itemsText(items: ChartItem[]): string {
  return items
    .map((item) =>
      t('chartItem', {
        name: item.name,
        values: item.values.length ? item.values.join(t('chartValueSeparator')) : t('chartNoData'),
      }),
    )
    .join(t('chartItemSeparator'));
}

/** Per category of a bar or line chart, each series' value there: { name: '景田社区', values: ['误报 1', '其他 3'] }. */
export function byCategory(
  categories: string[],
  series: Array<{ name: string; data: number[] }>,
): ChartItem[] {
  return categories.map((name, i) => ({
    name,
    values: series.map((s) => `${s.name} ${s.data[i] ?? 0}`),
  }));
}

/** The lowest and highest of a series' readings ("62–88"), or nothing when it has none. */
export function range(values: Array<number | null>): string[] {
  const seen = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!seen.length) return [];
  const low = Math.min(...seen);
  const high = Math.max(...seen);
  return [low === high ? String(round(low)) : `${round(low)}–${round(high)}`];
}

const round = (v: number) => Math.round(v * 10) / 10;
