import type { DistrictDocumentInput } from '../../registry/district-document.js';
import { seededRandom } from '../seeded-random.js';

type LatLon = { lat: number; lon: number };

/** Futian's 10 streets (街道), rough centres, and some of their communities (社区). */
const streets: Array<{ id: string; name: string; at: LatLon; communities: Array<[string, string]> }> = [
  {
    id: 'yuanling',
    name: '园岭街道',
    at: { lat: 22.5535, lon: 114.0935 },
    communities: [
      ['hongli', '红荔社区'],
      ['baihua', '百花社区'],
      ['shangbu', '上步社区'],
      ['bagualing', '八卦岭社区'],
    ],
  },
  {
    id: 'nanyuan',
    name: '南园街道',
    at: { lat: 22.5365, lon: 114.0925 },
    communities: [
      ['nanyuan-c', '南园社区'],
      ['binjiang', '滨江社区'],
      ['chiwei', '赤尾社区'],
      ['buwei', '埔尾社区'],
    ],
  },
  {
    id: 'futian-st',
    name: '福田街道',
    at: { lat: 22.5305, lon: 114.0705 },
    communities: [
      ['futian-c', '福田社区'],
      ['gangxia', '岗厦社区'],
      ['huanggang', '皇岗社区'],
      ['shuiwei', '水围社区'],
    ],
  },
  {
    id: 'shatou',
    name: '沙头街道',
    at: { lat: 22.5275, lon: 114.0405 },
    communities: [
      ['shatou-c', '沙头社区'],
      ['shangsha', '上沙社区'],
      ['xiasha', '下沙社区'],
      ['tianan', '天安社区'],
    ],
  },
  {
    id: 'meilin',
    name: '梅林街道',
    at: { lat: 22.5705, lon: 114.0505 },
    communities: [
      ['meilin-c', '梅林社区'],
      ['shangmeilin', '上梅林社区'],
      ['ziling', '孖岭社区'],
      ['meijing', '梅京社区'],
    ],
  },
  {
    id: 'huafu',
    name: '华富街道',
    at: { lat: 22.5485, lon: 114.0805 },
    communities: [
      ['tianmian', '田面社区'],
      ['lianhuayicun', '莲花一村社区'],
      ['xintian', '新田社区'],
      ['huangmugang', '黄木岗社区'],
    ],
  },
  {
    id: 'xiangmihu',
    name: '香蜜湖街道',
    at: { lat: 22.5445, lon: 114.0305 },
    communities: [
      ['xiangmi', '香蜜社区'],
      ['zhulin', '竹林社区'],
      ['nongyuan', '农园社区'],
      ['qiaoxiang', '侨香社区'],
    ],
  },
  {
    id: 'lianhua',
    name: '莲花街道',
    at: { lat: 22.5565, lon: 114.0555 },
    communities: [
      ['jingtian', '景田社区'],
      ['lianhuabei', '莲花北社区'],
      ['caitian', '彩田社区'],
      ['meiling', '梅岭社区'],
    ],
  },
  {
    id: 'huaqiangbei',
    name: '华强北街道',
    at: { lat: 22.5455, lon: 114.0885 },
    communities: [
      ['huaqiang', '华强北社区'],
      ['huahang', '华航社区'],
      ['licun', '荔村社区'],
      ['tongxinling', '通新岭社区'],
    ],
  },
  {
    id: 'fubao',
    name: '福保街道',
    at: { lat: 22.5205, lon: 114.0605 },
    communities: [
      ['fubao-c', '福保社区'],
      ['mingyue', '明月社区'],
      ['yitian', '益田社区'],
      ['shixia', '石厦社区'],
    ],
  },
];

const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁'.split('');
const givenNames = [
  '秀英',
  '桂兰',
  '建国',
  '玉兰',
  '淑珍',
  '国华',
  '凤英',
  '德明',
  '志强',
  '丽华',
  '桂芳',
  '永福',
  '金凤',
  '振华',
  '美玲',
  '文彬',
];

/** A responder the simulator can sign in as (the district gives each a responder user). */
export interface ResponderPlan {
  id: string;
  password: string;
  kind: 'volunteer' | 'staff';
  home: LatLon;
}

export interface DevicePlan {
  id: string;
  type: string;
  secret: string;
}

/** One home: the elder, where they live, and the devices on the care bed. */
export interface HomePlan {
  elderId: string;
  community: string;
  location: LatLon;
  devices: DevicePlan[];
}

export interface DistrictPlan {
  doc: DistrictDocumentInput;
  homes: HomePlan[];
  responders: ResponderPlan[];
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * A Futian-like district: 福田区, its 10 streets and 40 communities, `homes` elders spread
 * over the communities (each with a watch, a fall radar unless `radarShare` < 1, and a door contact), 3 volunteers
 * and 1 staff member per community, a specialist per street. Deterministic from `seed`.
 */
export function generateDistrict(options: {
  homes: number;
  seed: number;
  /** The share of homes with a fall radar (evenly spread); 1 when unset. */
  radarShare?: number;
}): DistrictPlan {
  const radarShare = options.radarShare ?? 1;
  const random = seededRandom(options.seed * 7919 + 17);
  const jitter = (c: LatLon, spread: number): LatLon => ({
    lat: round6(c.lat + (random() - 0.5) * spread),
    lon: round6(c.lon + (random() - 0.5) * spread * 1.08),
  });
  const secret = (id: string) => `sim-${options.seed}-${id}-secret`;
  const communities = streets.flatMap((s) =>
    s.communities.map(([id, name]) => ({ id, name, street: s, at: jitter(s.at, 0.012) })),
  );
  const name = (i: number) => `${surnames[i % surnames.length]}${givenNames[(i * 7) % givenNames.length]}`;
  const width = Math.max(4, String(options.homes).length);
  const elders = Array.from({ length: options.homes }, (_, i) => {
    const c = communities[i % communities.length]!;
    const n = String(i + 1).padStart(width, '0');
    return {
      id: `e-${n}`,
      name: name(i),
      org_unit: c.id,
      address: `${c.name.replace('社区', '')}${1 + Math.floor(random() * 30)} 栋 ${100 * (1 + Math.floor(random() * 18)) + 1 + Math.floor(random() * 4)}`,
      location: jitter(c.at, 0.006),
      devices: [
        { id: `w-${n}`, type: 'watch', secret: secret(`w-${n}`) },
        ...(Math.floor((i + 1) * radarShare) > Math.floor(i * radarShare)
          ? [{ id: `r-${n}`, type: 'fall_radar', secret: secret(`r-${n}`) }]
          : []),
        { id: `d-${n}`, type: 'door', secret: secret(`d-${n}`) },
      ],
    };
  });
  const responders = communities.flatMap((c, ci) =>
    (['volunteer', 'volunteer', 'volunteer', 'staff'] as const).map((kind, k) => {
      const n = String(ci * 4 + k + 1).padStart(4, '0');
      return {
        id: kind === 'staff' ? `s-${n}` : `v-${n}`,
        name: name(ci * 4 + k + 5),
        kind,
        org_unit: c.id,
        skills:
          kind === 'staff'
            ? (['first_aid', 'nursing'] as const)
            : k === 0
              ? (['first_aid', 'visiting'] as const)
              : (['first_aid'] as const),
        location: jitter(c.at, 0.005),
      };
    }),
  );
  const doc: DistrictDocumentInput = {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      ...streets.map((s) => ({ id: s.id, name: s.name, level: 'street' as const, parent: 'futian' })),
      ...communities.map((c) => ({
        id: c.id,
        name: c.name,
        level: 'community' as const,
        parent: c.street.id,
      })),
    ],
    elders,
    responders: responders.map((r) => ({ ...r, skills: [...r.skills] })),
    users: [
      ...streets.map((s) => ({
        username: `spec-${s.id}`,
        password: secret(`spec-${s.id}`),
        role: 'specialist' as const,
        org_unit: s.id,
      })),
      ...responders.map((r) => ({
        username: r.id,
        password: secret(r.id),
        role: 'responder' as const,
        org_unit: r.org_unit,
      })),
    ],
  };
  return planFromDocument(doc);
}

/**
 * The homes and responders of a district document. Devices need their secret in the
 * document (or from the hub's `issued_secrets`); responders need a responder user with a password.
 */
export function planFromDocument(
  doc: DistrictDocumentInput,
  issued: Record<string, string> = {},
): DistrictPlan {
  const passwords = new Map(
    (doc.users ?? [])
      .filter((u) => u.role === 'responder' && u.password)
      .map((u) => [u.username, u.password!]),
  );
  const homes: HomePlan[] = [];
  for (const e of doc.elders ?? []) {
    if (!e.location) continue;
    const devices = (e.devices ?? [])
      .map((d) => ({ id: d.id, type: d.type, secret: d.secret ?? issued[d.id] ?? '' }))
      .filter((d) => d.secret !== '');
    homes.push({ elderId: e.id, community: e.org_unit, location: e.location, devices });
  }
  const responders: ResponderPlan[] = (doc.responders ?? [])
    .filter((r) => passwords.has(r.id) && r.location)
    .map((r) => ({ id: r.id, password: passwords.get(r.id)!, kind: r.kind, home: r.location! }));
  return { doc, homes, responders };
}
