import { type TextKey, t } from '../i18n';
import type { Responder } from '../types';

type Availability = Responder['availability'];

/** The hub's word for whether dispatch may ask a responder; every roster view shows the same. */
const words: Record<Availability, TextKey> = {
  on_duty: 'onDuty',
  busy: 'busy',
  app_offline: 'appOffline',
  off_duty: 'offDuty',
};

export const availabilityText = (a: Availability): string => t(words[a]);

/** Those a specialist can still send first, then the busy, then those nothing reaches. */
export const availabilityRank: Record<Availability, number> = {
  on_duty: 0,
  busy: 1,
  app_offline: 2,
  off_duty: 3,
};
