import { readFileSync } from 'node:fs';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { io, type Socket } from 'socket.io-client';
import type { Role } from '../../kernel/identity.js';
import type { DistrictDocumentInput } from '../../registry/district-document.js';

/** The matrix district's org units and their paths: a street, two communities, a property manager, two families. */
export const unitPaths = {
  futian: '/futian/',
  lianhua: '/futian/lianhua/',
  jingtian: '/futian/lianhua/jingtian/',
  meilin: '/futian/lianhua/meilin/',
  'pm-jt': '/futian/lianhua/jingtian/pm-jt/',
  wang: '/futian/lianhua/jingtian/pm-jt/wang/',
  zhao: '/futian/lianhua/jingtian/pm-jt/zhao/',
} as const;
export type Unit = keyof typeof unitPaths;

/** Who calls: a role at an org unit (root: the hub-wide admin), or nobody signed in. */
export interface Principal {
  name: string;
  role: Role | null;
  unit: Unit | null;
  scopePath: string | null;
  password?: string;
}

const at = (role: Role, unit: Unit, name: string): Principal => ({
  name,
  role,
  unit,
  scopePath: unitPaths[unit],
  password: `pw-${name}-scope`,
});

/** Each role that exists at each level (responders: volunteers in communities, staff at the property manager). */
export const principals: Principal[] = [
  { name: 'admin', role: 'admin', unit: null, scopePath: '/' },
  at('admin', 'futian', 'admin-futian'),
  at('specialist', 'futian', 'spec-futian'),
  at('admin', 'lianhua', 'admin-lianhua'),
  at('specialist', 'lianhua', 'spec-lianhua'),
  at('admin', 'jingtian', 'admin-jingtian'),
  at('specialist', 'jingtian', 'spec-jingtian'),
  at('responder', 'jingtian', 'v-jt'),
  at('admin', 'meilin', 'admin-meilin'),
  at('specialist', 'meilin', 'spec-meilin'),
  at('responder', 'meilin', 'v-ml'),
  at('admin', 'pm-jt', 'admin-pm'),
  at('specialist', 'pm-jt', 'spec-pm'),
  at('responder', 'pm-jt', 's-pm'),
  at('family', 'wang', 'fam-wang'),
  // The neighbours: same property manager, another family.
  at('family', 'zhao', 'fam-zhao'),
  { name: 'anonymous', role: null, unit: null, scopePath: null },
];

/** The principal's scope covers the unit (its own or one below it). */
export const covers = (p: Principal, unit: Unit): boolean =>
  p.scopePath !== null && unitPaths[unit].startsWith(p.scopePath);

/** The two elders whose identity the matrix guards: 王秀英 in the 王 family, 李桂兰 in 梅林. */
export const elders = {
  wang: { id: 'e-0001', name: '王秀英', address: '景田北一街 3 栋 502', lat: 22.5531, lon: 114.0412 },
  meilin: { id: 'e-0002', name: '李桂兰', address: '梅林一村 12 栋 301', lat: 22.5702, lon: 114.0523 },
};
/** Staff responders nobody signs in as, each assigned by hand once. */
export const handPool = Array.from({ length: 16 }, (_, i) => `hand-${i + 1}`);
const metresNorth = (home: { lat: number; lon: number }, m: number) => ({
  lat: home.lat + m / 111_195,
  lon: home.lon,
});

export function matrixDistrict(): DistrictDocumentInput {
  return {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
      { id: 'jingtian', name: '景田社区', level: 'community', parent: 'lianhua' },
      { id: 'meilin', name: '梅林社区', level: 'community', parent: 'lianhua' },
      { id: 'pm-jt', name: '景田物业', level: 'property', parent: 'jingtian' },
      { id: 'wang', name: '王家', level: 'family', parent: 'pm-jt' },
      { id: 'zhao', name: '赵家', level: 'family', parent: 'pm-jt' },
    ],
    elders: [
      {
        id: elders.wang.id,
        name: elders.wang.name,
        org_unit: 'wang',
        address: elders.wang.address,
        location: { lat: elders.wang.lat, lon: elders.wang.lon },
        devices: [{ id: 'w-0001', type: 'watch', secret: 'watch-secret-0001' }],
        // A care record to read and a number to call (the record's routes and the call log).
        phone: '0755-83001234',
      },
      {
        id: elders.meilin.id,
        name: elders.meilin.name,
        org_unit: 'meilin',
        address: elders.meilin.address,
        location: { lat: elders.meilin.lat, lon: elders.meilin.lon },
        devices: [{ id: 'w-0002', type: 'watch', secret: 'watch-secret-0002' }],
      },
    ],
    responders: [
      {
        id: 'v-jt',
        name: '李建国',
        kind: 'volunteer',
        org_unit: 'jingtian',
        skills: ['first_aid'],
        location: metresNorth(elders.wang, 100),
      },
      {
        id: 'v-ml',
        name: '张志强',
        kind: 'volunteer',
        org_unit: 'meilin',
        skills: ['first_aid'],
        location: metresNorth(elders.meilin, 100),
      },
      {
        id: 's-pm',
        name: '陈保安',
        kind: 'staff',
        org_unit: 'pm-jt',
        skills: ['first_aid'],
        location: metresNorth(elders.wang, 3000),
      },
      ...handPool.map((id) => ({
        id,
        name: `值班${id}`,
        kind: 'staff' as const,
        org_unit: 'pm-jt',
        skills: [],
        location: metresNorth(elders.wang, 20_000),
      })),
    ],
    users: principals
      .filter((p) => p.unit && p.role && p.password)
      .map((p) => ({ username: p.name, password: p.password!, role: p.role!, org_unit: p.unit! })),
  };
}

/** What a caller must get: a status and, for a refusal, the error code and why. */
export interface Outcome {
  status: number;
  error?: string;
  message?: RegExp;
}

export const unauthenticated: Outcome = { status: 401, error: 'unauthorized', message: /sign in first/ };
export const wrongRole: Outcome = { status: 403, error: 'forbidden', message: /needs one of the roles/ };

/**
 * The usual gate: nobody signed in → 401; a role the route does not take → 403; a target
 * outside the caller's org unit → the route's scope refusal; else `ok`.
 */
export function gate(
  roles: readonly Role[],
  ok: number,
  target?: { unit: Unit; refusal: Outcome },
): (p: Principal) => Outcome {
  return (p) => {
    if (!p.role) return unauthenticated;
    if (!roles.includes(p.role)) return wrongRole;
    if (target && !covers(p, target.unit)) return target.refusal;
    return { status: ok };
  };
}

export const notInUnit = (what: string): Outcome => ({
  status: 404,
  error: 'not_found',
  message: new RegExp(`^no ${what} .* in your org unit$`),
});
export const outsideUnit = (unit: string): Outcome => ({
  status: 403,
  error: 'forbidden',
  message: new RegExp(`${unit} is outside your org unit`),
});

export interface RouteCase {
  /** `GET /api/v1/alerts/:id`, as fastify registered it (no trailing slash). */
  route: string;
  /** Several cases may hold one route (e.g. one's own account and another's). */
  variant?: string;
  expect: (p: Principal) => Outcome;
  /** The request; `allowed` says whether a success is expected (to make a fresh target only then). */
  request: (p: Principal, allowed: boolean) => Promise<InjectOptions> | InjectOptions;
  /** More checks on a success (what a list shows, what a volunteer may see). */
  check?: (p: Principal, res: LightMyRequestResponse) => void;
  /** Runs after every other case (logout ends the caller's token). */
  last?: boolean;
}

/**
 * Every route fastify holds, from `printRoutes` (one line per path segment, children indented
 * by four columns): `GET /api/v1/alerts/:id`, trailing slashes dropped, HEAD left out (fastify's
 * mirror of each GET, checked with it).
 */
export function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const found = new Set<string>();
  for (const line of tree.split('\n')) {
    const marker = line.search(/[├└]── /);
    if (marker < 0) continue;
    const depth = marker / 4;
    const label = line.slice(marker + 4);
    const match = /^(.*?) \(([A-Z, ]+)\)$/.exec(label);
    stack.length = depth;
    stack.push(match ? match[1]! : label);
    if (!match) continue;
    const path = stack.join('').replace(/\/+/g, '/');
    const normal = path.length > 1 ? path.replace(/\/$/, '') : path;
    for (const method of match[2]!.split(', ')) if (method !== 'HEAD') found.add(`${method} ${normal}`);
  }
  return [...found].sort();
}

/** The routes of the OpenAPI document, in fastify's form (`{id}` → `:id`). */
export function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map(
      (m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1').replace(/(.)\/$/, '$1')}`,
    ),
  );
}

/**
 * The socket events a feed takes and sends, read from its source: a new `handle(socket, '…')`,
 * `socket.on('…')` or `.emit('…')` appears here and must be classified by the matrix.
 */
export function socketEvents(file: string): { takes: string[]; sends: string[] } {
  const source = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  const all = (pattern: RegExp) => [...new Set([...source.matchAll(pattern)].map((m) => m[1]!))].sort();
  return {
    takes: all(/(?:handle\(socket, |socket\.on\()'([^']+)'/g).filter((e) => e !== 'disconnect'),
    sends: all(/\.emit\('([^']+)'/g),
  };
}

/** A socket.io client on a namespace: admitted, or the refusal's message. */
export interface FeedClient {
  socket: Socket;
  admitted: boolean;
  refusal?: string;
  received: Array<{ event: string; payload: unknown }>;
}

export async function openFeed(port: number, namespace: string, token?: string): Promise<FeedClient> {
  const socket = io(`http://127.0.0.1:${port}${namespace}`, {
    auth: token ? { token } : {},
    transports: ['websocket'],
    reconnection: false,
  });
  const received: FeedClient['received'] = [];
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload }));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, admitted: true, received }));
    socket.once('connect_error', (error) => {
      socket.close();
      resolve({ socket, admitted: false, refusal: error.message, received });
    });
  });
}

/** A person's identity as text that must not reach someone not entitled to it. */
export const identityOf = (elder: { id: string; name: string; address: string }) => [
  elder.name,
  elder.address,
];
