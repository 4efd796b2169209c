import { smallDistrict } from '../../support/hub.js';

/**
 * The small district, with 王秀英 in her own family unit and a family user (her son 王建华) who sees
 * only her; the specialist of 景田 is 陈晓梅.
 */
export function browserDistrict() {
  const doc = smallDistrict();
  doc.org_units = [
    ...(doc.org_units ?? []),
    { id: 'fam-wang', name: '王秀英家', level: 'family', parent: 'jingtian' },
  ];
  doc.elders = (doc.elders ?? []).map((e) => (e.id === 'e-0001' ? { ...e, org_unit: 'fam-wang' } : e));
  // People have names: the console and the phone show them, never a username.
  doc.users = [
    ...(doc.users ?? []).map((u) => (u.username === 'spec-jingtian' ? { ...u, name: '陈晓梅' } : u)),
    {
      username: 'family-wang',
      name: '王建华',
      password: 'family-password-1',
      role: 'family',
      org_unit: 'fam-wang',
    },
  ];
  return doc;
}

export const home = { lat: 22.5531, lon: 114.0412 };
