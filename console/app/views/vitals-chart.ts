import { LineChart } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { formatClock, formatTime, locale, metricName, t } from '../i18n';
import type { VitalsPoint } from '../types';
import { itemsText, range } from './chart-text';

// Only what the evidence chart uses: keeps the lazily loaded chunk small.
echarts.use([
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  MarkLineComponent,
  AriaComponent,
  SVGRenderer,
]);

/**
 * Heart rate, SpO2 and breathing (means per step) with the moment the alert opened marked. The
 * time axis is pinned to the window asked for (it never stretches to the data), and sparse readings
 * are drawn as dots: a lone reading with no neighbour has no line to show it.
 */
export function drawVitals(
  target: HTMLElement,
  points: VitalsPoint[],
  openedAt: number,
  window: { from: number; to: number },
): () => void {
  const chart = echarts.init(target, undefined, {
    renderer: 'svg',
    locale: locale() === 'zh-CN' ? 'ZH' : 'EN',
  });
  // Fewer readings than one per ten minutes of the window: dots, or nothing would show.
  const sparse = points.length < (window.to - window.from) / 600_000;
  const series = (name: string, pick: (p: VitalsPoint) => number | null) => ({
    name,
    type: 'line' as const,
    showSymbol: sparse,
    symbolSize: 6,
    connectNulls: false,
    data: points.map((p) => [p.t, pick(p)]),
  });
  const picks = {
    heart_rate: (p: VitalsPoint) => p.heart_rate.mean,
    spo2: (p: VitalsPoint) => p.spo2.mean,
    breathing_rate: (p: VitalsPoint) => p.breathing_rate.mean,
  };
  // For a screen reader: the window, the alert's moment, each vital's range in it.
  const description = t('vitalsChart', {
    from: formatTime(window.from),
    to: formatTime(window.to),
    at: formatTime(openedAt),
    series: itemsText(
      Object.entries(picks).map(([metric, pick]) => ({
        name: metricName(metric),
        values: range(points.map(pick)),
      })),
    ),
  });
  // The axis and its pointer in the district's time, as every other time on the console.
  const clock = (v: number | { value: number }) => formatClock(typeof v === 'number' ? v : v.value);
  chart.setOption({
    aria: { enabled: true, label: { description } },
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (v == null ? '–' : String(v)) },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 28 },
    xAxis: {
      type: 'time',
      min: window.from,
      max: window.to,
      axisLabel: { hideOverlap: true, formatter: clock },
      axisPointer: { label: { formatter: (p: { value: number }) => formatTime(p.value) } },
    },
    yAxis: { type: 'value', scale: true },
    series: [
      {
        ...series(metricName('heart_rate'), picks.heart_rate),
        markLine: {
          symbol: 'none',
          // Inside the plot, at its foot: at the top it ran into the legend.
          label: { formatter: formatClock(openedAt), position: 'insideStartTop' },
          lineStyle: { color: '#c62828', type: 'dashed' },
          data: [{ xAxis: openedAt }],
        },
      },
      series(metricName('spo2'), picks.spo2),
      series(metricName('breathing_rate'), picks.breathing_rate),
    ],
  });
  const resize = () => chart.resize();
  globalThis.addEventListener('resize', resize);
  return () => {
    globalThis.removeEventListener('resize', resize);
    chart.dispose();
  };
}
