import type { DistrictDocumentInput } from '../registry/district-document.js';
import { seededRandom } from './seeded-random.js';

const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const givenNames = ['秀英', '桂兰', '建国', '玉兰', '淑珍', '国华', '凤英', '德明', '志强', '丽华'];
const communities = [
  {
    id: 'jingtian',
    name: '景田社区',
    street: '景田北一街',
    lat: 22.5531,
    lon: 114.0412,
    specialist: '陈晓梅',
  },
  {
    id: 'lianhuabei',
    name: '莲花北社区',
    street: '莲花北村',
    lat: 22.5609,
    lon: 114.0551,
    specialist: '林志华',
  },
];

/** The secret of a demo device: known to the demo simulator, fine for a demo, never for a district. */
export const demoSecret = (deviceId: string) => `demo-secret-${deviceId}`;
const demoSpecialistPassword = 'demo-specialist';
export const demoVolunteerPassword = 'demo-volunteer';

/** The demo's printed people (all passwords are public: the demo listens on 127.0.0.1 only). */
export const demoPeople = {
  specialist: { username: 'spec-jingtian', password: demoSpecialistPassword },
  /** The two volunteers the printout names; every volunteer `v-000N` has the same password. */
  volunteers: ['v-0001', 'v-0002'],
  /** The family of elder e-0001, through the family org unit her record sits in (as the product links families). */
  family: {
    username: 'family-wang',
    name: '王建华',
    password: 'demo-family',
    elderId: 'e-0001',
    unit: 'wang-family',
  },
  /** The street's simulated duty specialist: closes on-site alerts and certifies their credits. */
  desk: { username: 'desk-lianhua', name: '黄丽娟', password: demoSpecialistPassword },
} as const;

/**
 * The demo district: 福田区 › 莲花街道 › two communities, 20 elders with a watch, a fall
 * radar and a door contact each (e-0001 in her family's unit), 6 volunteers (3 per community,
 * each within ~100 m of the community's centre, so within 500 m of its homes: the first step
 * of a critical alert's ladder reaches them) and 4 staff; a specialist per community, the
 * street's duty desk, the family of e-0001, and a user for every volunteer, each user with a
 * person's name (the console and the phone name people, not usernames).
 */
export function demoDistrict(): DistrictDocumentInput {
  const random = seededRandom(20_220_331);
  const around = (c: { lat: number; lon: number }, spread: number) => ({
    lat: Number((c.lat + (random() - 0.5) * spread).toFixed(6)),
    lon: Number((c.lon + (random() - 0.5) * spread).toFixed(6)),
  });
  const { family } = demoPeople;
  const elders = Array.from({ length: 20 }, (_, i) => {
    const community = communities[i % 2]!;
    const n = String(i + 1).padStart(4, '0');
    const id = `e-${n}`;
    return {
      id,
      name: `${surnames[i % 10]}${givenNames[(i * 3) % 10]}`,
      org_unit: id === family.elderId ? family.unit : community.id,
      address: `${community.street} ${1 + (i % 9)} 栋 ${100 * (2 + (i % 7)) + 1 + (i % 4)}`,
      location: around(community, 0.006),
      devices: [
        { id: `w-${n}`, type: 'watch', secret: demoSecret(`w-${n}`) },
        { id: `r-${n}`, type: 'fall_radar', secret: demoSecret(`r-${n}`) },
        { id: `d-${n}`, type: 'door', secret: demoSecret(`d-${n}`) },
      ],
      // The family's elder has a care record: the console shows it beside her SOS (issue 16).
      ...(id === family.elderId ? demoCareRecord(family.username) : {}),
    };
  });
  const responders = Array.from({ length: 10 }, (_, i) => {
    const community = communities[i % 2]!;
    const staff = i >= 6;
    return {
      id: staff ? `s-${String(i - 5).padStart(4, '0')}` : `v-${String(i + 1).padStart(4, '0')}`,
      name: `${surnames[(i + 3) % 10]}${givenNames[(i * 7) % 10]}`,
      kind: staff ? ('staff' as const) : ('volunteer' as const),
      org_unit: community.id,
      skills: staff
        ? ['first_aid' as const, 'nursing' as const]
        : ['first_aid' as const, 'visiting' as const],
      location: around(community, staff ? 0.006 : 0.0018),
    };
  });
  return {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
      ...communities.map((c) => ({ id: c.id, name: c.name, level: 'community' as const, parent: 'lianhua' })),
      { id: family.unit, name: '王秀英家', level: 'family', parent: 'jingtian' },
    ],
    elders,
    responders,
    users: [
      ...communities.map((c) => ({
        username: `spec-${c.id}`,
        name: c.specialist,
        password: demoSpecialistPassword,
        role: 'specialist' as const,
        org_unit: c.id,
      })),
      { ...demoPeople.desk, role: 'specialist', org_unit: 'lianhua' },
      {
        username: family.username,
        name: family.name,
        password: family.password,
        role: 'family',
        org_unit: family.unit,
      },
      ...responders
        .filter((r) => r.kind === 'volunteer')
        .map((r) => ({
          username: r.id,
          name: r.name,
          password: demoVolunteerPassword,
          role: 'responder' as const,
          org_unit: r.org_unit,
        })),
    ],
  };
}

/** 王秀英's care record in the demo: her phone, her son (the family login), a neighbour with a key. */
function demoCareRecord(familyUsername: string) {
  return {
    phone: '0755-8300 1234',
    birth_date: '1938-04-12',
    lives_alone: true,
    contacts: [
      {
        name: demoPeople.family.name,
        relation: 'child' as const,
        phone: '138-0013-8000',
        username: familyUsername,
      },
      { name: '刘阿姨', relation: 'neighbour' as const, phone: '139-0013-9000', has_key: true },
    ],
    conditions: ['高血压', '2 型糖尿病'],
    medicines: ['二甲双胍', '氨氯地平'],
    allergies: ['青霉素'],
    mobility: 'walking_aid' as const,
    language: '潮汕话',
    access_notes: '钥匙盒在门口电表箱，密码 2580',
    preferred_hospital: '福田区人民医院',
    consent: { care_record: true, share_with_responders: true, contact_family: true },
  };
}
