import type { OnSiteRecordView } from '../../../registry/care-record';
import type { Api } from '../api';
import { h } from '../dom';
import { type TextKey, t } from '../i18n';
import type { Task } from '../types';
import { telHref } from '../views/care-record-panel';

/**
 * What helps at the door, from the elder's care record: how to get in, who holds a key, how they
 * move, what they speak, what to tell the ambulance. The hub gives it to a responder only while
 * they hold the task (so only after accepting), and audits the read: it is read once per task.
 */
export class OnSiteFacts {
  private alertId: string | undefined;
  private facts: OnSiteRecordView | undefined;

  constructor(
    private readonly api: Api,
    private readonly redraw: () => void,
  ) {}

  /** The card for the current task (null until read, and without a task). */
  card(task: Task | undefined): HTMLElement | null {
    if (!task) {
      this.alertId = undefined;
      this.facts = undefined;
      return null;
    }
    if (task.alert_id !== this.alertId) this.read(task);
    return this.facts ? factsCard(this.facts) : null;
  }

  private read(task: Task): void {
    this.alertId = task.alert_id;
    this.facts = undefined;
    this.api.careRecord(task.elder.id, task.alert_id).then(
      (answer) => {
        if (this.alertId !== task.alert_id || answer.view !== 'on_site') return;
        this.facts = answer;
        this.redraw();
      },
      () => undefined, // the task card stands without it; the next task reads again
    );
  }
}

function factsCard(facts: OnSiteRecordView): HTMLElement {
  const fact = (label: TextKey, value: Node | string | null) =>
    value === null ? [] : [h('dt', {}, t(label)), h('dd', {}, value)];
  const words = (items: string[]) => (items.length ? items.join('、') : null);
  return h(
    'section',
    { class: 'card on-site', 'aria-labelledby': 'on-site-title' },
    h('h2', { id: 'on-site-title' }, t('record.onSite')),
    facts.withheld
      ? h('p', { class: 'empty' }, t('record.withheld'))
      : h(
          'dl',
          { class: 'facts' },
          ...fact('record.accessNotes', facts.access_notes),
          ...fact(
            'record.keyholders',
            facts.keyholders.length
              ? h(
                  'span',
                  {},
                  ...facts.keyholders.map((k) =>
                    h('a', { href: telHref(k.phone), class: 'tel' }, `${k.name} ${k.phone}`),
                  ),
                )
              : null,
          ),
          ...fact(
            'record.livesAlone',
            facts.lives_alone === null ? null : t(facts.lives_alone ? 'record.yes' : 'record.no'),
          ),
          ...fact('record.mobility', facts.mobility ? t(`mobility.${facts.mobility}`) : null),
          ...fact('record.language', facts.language),
          ...fact('record.conditions', words(facts.conditions)),
          ...fact('record.medicines', words(facts.medicines)),
          ...fact('record.allergies', words(facts.allergies)),
        ),
  );
}
