import { h } from '../dom';
import { t } from '../i18n';
import type { Task } from '../types';

/**
 * A `geo:` link opens whatever navigation app the phone has (Android, offline maps); Amap's
 * URI opens Amap or its web page where `geo:` is not understood (iOS).
 */
export function navigationLinks(task: Task): HTMLElement | null {
  const { lat, lon, name } = task.elder;
  if (lat === null || lon === null) return null;
  const label = encodeURIComponent(name);
  return h(
    'p',
    { class: 'nav-links' },
    h('a', { class: 'button big', href: `geo:${lat},${lon}?q=${lat},${lon}(${label})` }, t('navigate')),
    ' ',
    h(
      'a',
      {
        class: 'button',
        href: `https://uri.amap.com/navigation?to=${lon},${lat},${label}&mode=walk&coordinate=wgs84&callnative=1`,
        rel: 'noopener',
        target: '_blank',
      },
      t('amap'),
    ),
  );
}
