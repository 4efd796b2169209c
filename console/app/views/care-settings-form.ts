import type { CareSettingName, CareSettingsChange } from '../../../registry/care-settings';
import { type Api, ApiError, type CareSettingsView } from '../api';
import { announce, fill, h } from '../dom';
import { type TextKey, t } from '../i18n';

type Shown = CareSettingsView['settings'];

const nameOf = (name: string) => t(`settings.name.${name}` as TextKey);
const unitOf = (unit: string) => t(`settings.unit.${unit}` as TextKey);

/** Why the hub refused, in the console's language: the setting's range, or which two do not fit. */
function reasonOf(issue: { path: string; message: string }, shown: Shown): string {
  if (issue.message.includes('must be below')) return t('settings.lowHigh');
  if (issue.message.includes('same hour')) return t('settings.quietSame');
  const s = shown[issue.path as CareSettingName];
  return s ? rangeText(issue.path, s) : issue.message;
}
const rangeText = (name: string, s: { min: number; max: number; unit: string }) =>
  t('settings.range', { name: nameOf(name), min: s.min, max: s.max, unit: unitOf(s.unit) });

/**
 * The elder's settings under their record: each limit or span the detectors apply, the elder's
 * own value (empty: the unit default), what is in effect and the unit default. Saving sends only
 * what changed; the hub applies it at once and audits it. A value out of range, or a low limit not
 * below the high one, is refused here or by the hub, and said in the console's language.
 */
export async function careSettingsForm(elderId: string, api: Api): Promise<HTMLElement> {
  const section = h('section', { class: 'care-settings', 'aria-labelledby': 'settings-title' });
  let shown: Shown;
  try {
    shown = (await api.careSettings(elderId)).settings;
  } catch (error) {
    fill(
      section,
      h('h3', { id: 'settings-title' }, t('settings.title')),
      h('p', { class: 'empty' }, t('settings.unavailable', { reason: (error as Error).message })),
    );
    return section;
  }
  const status = h('p', { class: 'form-status', role: 'status' });
  const inputs = new Map<CareSettingName, HTMLInputElement>();
  const body = h('tbody');
  const draw = () => {
    body.replaceChildren(
      ...(Object.keys(shown) as CareSettingName[]).map((name) => {
        const s = shown[name];
        const input = h('input', {
          id: `setting-${name}`,
          type: 'number',
          min: s.min,
          max: s.max,
          step: 1,
          placeholder: String(s.unit_default),
          'aria-label': nameOf(name),
        }) as HTMLInputElement;
        input.value = s.source === 'elder' ? String(s.value) : '';
        inputs.set(name, input);
        const from = s.unit_default_from_name ?? t('settings.fromHub');
        return h(
          'tr',
          { 'data-setting': name, 'data-source': s.source },
          h('th', { scope: 'row' }, nameOf(name)),
          h('td', {}, input, ` ${unitOf(s.unit)}`),
          h(
            'td',
            { class: 'effective' },
            t('settings.valueFrom', {
              value: s.value,
              unit: unitOf(s.unit),
              from: t(s.source === 'elder' ? 'settings.fromElder' : 'settings.fromUnit'),
            }),
          ),
          h(
            'td',
            { class: 'unit-default' },
            t('settings.valueFrom', { value: s.unit_default, unit: unitOf(s.unit), from }),
          ),
        );
      }),
    );
  };
  draw();
  const form = h(
    'form',
    // The form's own checks speak the console's language (the browser's would speak its own).
    { class: 'action settings-form', novalidate: true },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('settings.setting')),
          h('th', { scope: 'col' }, t('settings.own')),
          h('th', { scope: 'col' }, t('settings.effective')),
          h('th', { scope: 'col' }, t('settings.default')),
        ),
      ),
      body,
    ),
    h('p', { class: 'hint' }, t('settings.hint')),
    h('button', { type: 'submit', id: 'save-settings' }, t('settings.save')),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const change: Record<string, number | null> = {};
    for (const [name, input] of inputs) {
      const s = shown[name];
      const text = input.value.trim();
      if (text === '') {
        if (s.source === 'elder') change[name] = null;
        continue;
      }
      const value = Number(text);
      if (!Number.isInteger(value) || value < s.min || value > s.max) {
        announce(status, t('settings.refused', { reason: rangeText(name, s) }), 'error');
        input.focus();
        return;
      }
      if (s.source !== 'elder' || value !== s.value) change[name] = value;
    }
    if (Object.keys(change).length === 0) {
      announce(status, t('settings.unchanged'));
      return;
    }
    api.changeCareSettings(elderId, change as CareSettingsChange).then(
      (saved) => {
        shown = saved.settings;
        draw();
        announce(status, t('settings.saved'));
      },
      (error: Error) => {
        const issues = error instanceof ApiError ? error.issues : [];
        const reason = issues.length ? issues.map((i) => reasonOf(i, shown)).join('；') : error.message;
        announce(status, t('settings.refused', { reason }), 'error');
      },
    );
  });
  fill(section, h('h3', { id: 'settings-title' }, t('settings.title')), form);
  return section;
}
