import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { locale, type TextKey, t, term } from '../../i18n';
import type { DistrictReport } from '../../types';
import { byCategory, chartDescription } from '../chart-text';

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  AriaComponent,
  SVGRenderer,
]);

const colours = { alerts: '#1f3a5f', falseAlarms: '#d84315', volunteers: '#2e7d32' };

/** The report's four charts (by kind, by day, by unit, volunteer time), drawn into the given boxes. */
export function drawReportCharts(
  boxes: { kinds: HTMLElement; days: HTMLElement; units: HTMLElement; volunteers: HTMLElement },
  report: DistrictReport,
): () => void {
  // Each chart's aria-label says its figures per category (ECharts' own reads NaN and raw numbers).
  const base = (title: TextKey, categories: string[], series: Array<{ name: string; data: number[] }>) => ({
    aria: {
      enabled: true,
      label: { description: chartDescription(t(title), byCategory(categories, series)) },
    },
    animation: false,
    tooltip: { trigger: 'axis' },
  });
  const grid = { left: 48, right: 16, top: 36, bottom: 28, containLabel: true };
  const charts = Object.values(boxes).map((box) =>
    echarts.init(box, undefined, { renderer: 'svg', locale: locale() === 'zh-CN' ? 'ZH' : 'EN' }),
  );
  const [kinds, days, units, volunteers] = charts as [
    echarts.ECharts,
    echarts.ECharts,
    echarts.ECharts,
    echarts.ECharts,
  ];
  const stacked = (rows: Array<{ alerts: number; false_alarms: number }>) => [
    {
      name: t('falseAlarms'),
      type: 'bar',
      stack: 'a',
      color: colours.falseAlarms,
      data: rows.map((r) => r.false_alarms),
    },
    {
      name: t('otherAlerts'),
      type: 'bar',
      stack: 'a',
      color: colours.alerts,
      data: rows.map((r) => r.alerts - r.false_alarms),
    },
  ];
  const kindNames = report.by_kind.map((k) => term('kind', k.kind));
  const kindSeries = stacked(report.by_kind);
  kinds.setOption({
    ...base('alertsByKind', kindNames, kindSeries),
    legend: { top: 0 },
    grid,
    xAxis: { type: 'category', data: kindNames, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: kindSeries,
  });
  const dayNames = report.by_day.map((d) => d.day.slice(5));
  const daySeries = [
    {
      name: t('alertsCount'),
      type: 'line',
      color: colours.alerts,
      data: report.by_day.map((d) => d.alerts),
    },
    {
      name: t('falseAlarms'),
      type: 'line',
      color: colours.falseAlarms,
      data: report.by_day.map((d) => d.false_alarms),
    },
  ];
  days.setOption({
    ...base('alertsByDay', dayNames, daySeries),
    legend: { top: 0 },
    grid,
    xAxis: { type: 'category', data: dayNames },
    yAxis: { type: 'value', minInterval: 1 },
    series: daySeries,
  });
  const unitNames = report.by_unit.map((u) => u.name);
  const unitSeries = stacked(report.by_unit);
  units.setOption({
    ...base('byUnit', unitNames, unitSeries),
    legend: { top: 0 },
    grid,
    xAxis: { type: 'category', data: unitNames, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: unitSeries,
  });
  const top = report.volunteers.slice(0, 10);
  const volunteerNames = top.map((v) => v.name ?? v.volunteer_id);
  const volunteerSeries = [
    { name: t('volunteerMinutes'), type: 'bar', color: colours.volunteers, data: top.map((v) => v.minutes) },
  ];
  volunteers.setOption({
    ...base('topVolunteers', volunteerNames, volunteerSeries),
    grid,
    xAxis: {
      type: 'value',
      minInterval: 1,
      name: t('volunteerMinutes'),
      nameLocation: 'middle',
      nameGap: 24,
    },
    yAxis: { type: 'category', inverse: true, data: volunteerNames },
    series: volunteerSeries,
  });
  const resize = () => {
    for (const chart of charts) chart.resize();
  };
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    for (const chart of charts) chart.dispose();
  };
}
