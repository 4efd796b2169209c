import { h } from '../dom';

/** A message that stays 8 s in the corner (and is read out by screen readers). */
export function toast(text: string, tone: 'info' | 'critical' = 'info'): void {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: `toast ${tone}` }, text);
  region.append(item);
  while (region.children.length > 4) region.firstElementChild?.remove();
  setTimeout(() => item.remove(), 8000);
}
