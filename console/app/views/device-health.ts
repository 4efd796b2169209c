import { h } from '../dom';
import { ago, t, term } from '../i18n';
import type { Device } from '../types';

export const lowBatteryPercent = 15;

export const deviceProblems = (d: Device) => ({
  offline: !d.online,
  lowBattery: d.battery !== null && d.battery <= lowBatteryPercent,
  notWorn: d.worn === false,
});

/** A compact list of an elder's devices and their health (family view, alert detail). */
export function deviceHealthList(devices: Device[]): HTMLElement {
  if (!devices.length) return h('p', { class: 'empty' }, '–');
  const now = Date.now();
  return h(
    'ul',
    { class: 'device-health' },
    ...devices.map((d) => {
      const p = deviceProblems(d);
      return h(
        'li',
        { 'data-device': d.id },
        h('strong', {}, term('device', d.type)),
        ` ${d.id} · `,
        h('span', { class: p.offline ? 'bad' : 'good' }, p.offline ? t('offline') : t('online')),
        d.battery !== null
          ? h('span', { class: p.lowBattery ? 'bad' : '' }, ` · ${t('battery')} ${d.battery}%`)
          : null,
        d.worn !== null
          ? h('span', { class: p.notWorn ? 'bad' : '' }, ` · ${d.worn ? t('worn') : t('notWornBoard')}`)
          : null,
        ` · ${t('lastSeen')} ${d.last_seen_at ? ago(now - d.last_seen_at) : t('never')}`,
      );
    }),
  );
}
