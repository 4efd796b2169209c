import type { FullRecordView } from '../../../registry/care-record';
import type { Api } from '../api';
import { fill, h } from '../dom';
import { ageOn } from '../elder-age';
import { type TextKey, t } from '../i18n';
import type { Alert } from '../types';
import { callLogForm } from './call-log';
import { careSettingsForm } from './care-settings-form';

/** A `tel:` link's target: the digits and a leading + only (spaces and dashes are for reading). */
export const telHref = (phone: string): string => `tel:${phone.replace(/[^+0-9]/g, '')}`;

/**
 * The elder's care record beside the alert's evidence: their phone and their contacts in calling
 * order as click-to-call links, what to watch for, how to get in; and under it the call log form.
 * Reading it is audited by the hub (with this alert as the reason). A logged call reaches the
 * timeline through the live feed, as every other change of the alert does.
 */
export async function showCareRecord(section: HTMLElement, api: Api, alert: Alert): Promise<void> {
  // An alert about a device (offline, battery) has nobody to call.
  section.hidden = !alert.elder_id;
  if (!alert.elder_id) return;
  let record: FullRecordView;
  try {
    const answer = await api.careRecord(alert.elder_id, alert.id);
    if (answer.view !== 'full') throw new Error(answer.view);
    record = answer;
  } catch (error) {
    fill(
      section,
      h('h2', { id: 'record-title' }, t('record.title')),
      h('p', { class: 'empty' }, t('record.unavailable', { reason: (error as Error).message })),
    );
    return;
  }
  const form = callLogForm(record, alert.id, api);
  const callLink = (name: string, phone: string, callee: string) =>
    h(
      'a',
      {
        href: telHref(phone),
        class: 'tel',
        'data-callee': callee,
        'aria-label': t('record.call', { name, phone }),
        // Dialling picks the callee in the log below: the specialist writes down what came of it.
        onclick: () => form.choose(callee),
      },
      phone,
    );
  const fact = (label: TextKey, value: Node | string | null) => [
    h('dt', {}, t(label)),
    h('dd', {}, value ?? t('record.unknown')),
  ];
  const words = (items: string[]) => (items.length ? items.join('、') : null);
  const yesNo = (value: boolean | null) => (value === null ? null : t(value ? 'record.yes' : 'record.no'));
  fill(
    section,
    h('h2', { id: 'record-title' }, t('record.title')),
    h(
      'dl',
      { class: 'facts' },
      ...fact('record.phone', record.phone ? callLink(record.name, record.phone, 'elder') : null),
      ...(record.other_phones.length
        ? fact(
            'record.otherPhones',
            h('span', {}, ...record.other_phones.map((p) => callLink(record.name, p, 'elder'))),
          )
        : []),
      ...fact(
        'record.birthDate',
        record.birth_date ? t('record.age', { date: record.birth_date, n: ageOn(record.birth_date) }) : null,
      ),
      ...fact('record.livesAlone', yesNo(record.lives_alone)),
      ...fact('record.accessNotes', record.access_notes),
      ...fact('record.conditions', words(record.conditions)),
      ...fact('record.medicines', words(record.medicines)),
      ...fact('record.allergies', words(record.allergies)),
      ...fact('record.mobility', record.mobility ? t(`mobility.${record.mobility}`) : null),
      ...fact('record.language', record.language),
      ...fact('record.hospital', record.preferred_hospital),
    ),
    h('h3', {}, t('record.contacts')),
    record.contacts.length
      ? h(
          'ol',
          { class: 'contacts' },
          ...record.contacts.map((c, i) =>
            h(
              'li',
              { 'data-position': i + 1 },
              `${c.name} · ${t(`relation.${c.relation}`)} `,
              callLink(c.name, c.phone, `contact:${i + 1}`),
              c.has_key ? ` · ${t('record.hasKey')}` : '',
            ),
          ),
        )
      : h('p', { class: 'empty' }, t('record.noContacts')),
    form.element,
    await careSettingsForm(record.id, api),
  );
}
