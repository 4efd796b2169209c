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
import { formatTime, locale, metricName } from '../i18n';
import type { VitalsPoint } from '../types';

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

/** Heart rate, SpO2 and breathing (means per step) with the moment the alert opened marked. */
export function drawVitals(target: HTMLElement, points: VitalsPoint[], openedAt: number): () => void {
  const chart = echarts.init(target, undefined, {
    renderer: 'svg',
    locale: locale() === 'zh-CN' ? 'ZH' : 'EN',
  });
  const series = (name: string, pick: (p: VitalsPoint) => number | null) => ({
    name,
    type: 'line' as const,
    showSymbol: false,
    connectNulls: false,
    data: points.map((p) => [p.t, pick(p)]),
  });
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (v == null ? '–' : String(v)) },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', scale: true },
    series: [
      {
        ...series(metricName('heart_rate'), (p) => p.heart_rate.mean),
        markLine: {
          symbol: 'none',
          label: { formatter: formatTime(openedAt) },
          lineStyle: { color: '#c62828', type: 'dashed' },
          data: [{ xAxis: openedAt }],
        },
      },
      series(metricName('spo2'), (p) => p.spo2.mean),
      series(metricName('breathing_rate'), (p) => p.breathing_rate.mean),
    ],
  });
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.dispose();
  };
}
