import type { DistrictDocumentInput } from '../registry/district-document.js';
import { seededRandom } from './seeded-random.js';

const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const givenNames = ['秀英', '桂兰', '建国', '玉兰', '淑珍', '国华', '凤英', '德明', '志强', '丽华'];
const communities = [
  { id: 'jingtian', name: '景田社区', street: '景田北一街', lat: 22.5531, lon: 114.0412 },
  { id: 'lianhuabei', name: '莲花北社区', street: '莲花北村', lat: 22.5609, lon: 114.0551 },
];

/** The secret of a demo device: known to the demo simulator, fine for a demo, never for a district. */
export const demoSecret = (deviceId: string) => `demo-secret-${deviceId}`;
export const demoSpecialistPassword = 'demo-specialist';

/**
 * The demo district: 福田区 › 莲花街道 › two communities, 20 elders with a watch, a fall
 * radar and a door contact each, 10 responders and a specialist per community.
 */
export function demoDistrict(): DistrictDocumentInput {
  const random = seededRandom(20_220_331);
  const around = (c: { lat: number; lon: number }) => ({
    lat: Number((c.lat + (random() - 0.5) * 0.006).toFixed(6)),
    lon: Number((c.lon + (random() - 0.5) * 0.006).toFixed(6)),
  });
  const elders = Array.from({ length: 20 }, (_, i) => {
    const community = communities[i % 2]!;
    const n = String(i + 1).padStart(4, '0');
    return {
      id: `e-${n}`,
      name: `${surnames[i % 10]}${givenNames[(i * 3) % 10]}`,
      org_unit: community.id,
      address: `${community.street} ${1 + (i % 9)} 栋 ${100 * (2 + (i % 7)) + 1 + (i % 4)}`,
      location: around(community),
      devices: [
        { id: `w-${n}`, type: 'watch', secret: demoSecret(`w-${n}`) },
        { id: `r-${n}`, type: 'fall_radar', secret: demoSecret(`r-${n}`) },
        { id: `d-${n}`, type: 'door', secret: demoSecret(`d-${n}`) },
      ],
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
      skills: staff ? (['first_aid', 'nursing'] as const) : (['first_aid', 'visiting'] as const),
      location: around(community),
    };
  });
  return {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
      ...communities.map((c) => ({ id: c.id, name: c.name, level: 'community' as const, parent: 'lianhua' })),
    ],
    elders,
    responders: responders.map((r) => ({ ...r, skills: [...r.skills] })),
    users: communities.map((c) => ({
      username: `spec-${c.id}`,
      password: demoSpecialistPassword,
      role: 'specialist' as const,
      org_unit: c.id,
    })),
  };
}
