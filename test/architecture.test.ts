import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  folderCycles,
  folderOf,
  type Import,
  importsOf,
  reachable,
  readImports,
  sourceFiles,
} from './support/import-graph.js';

/**
 * The layer rules: which top-level folders a folder's source (tests excepted) may import.
 * Data flows one way: a stage never reaches back into the one before it, and only the
 * composition root (`hub/`), the tools and the tests import `hub/`.
 */
const tools = '*';
const layers: Record<string, string[] | typeof tools> = {
  kernel: [],
  store: ['kernel'],
  devices: ['kernel'],
  registry: ['kernel', 'store', 'devices'],
  ingest: ['kernel', 'store', 'devices', 'registry'],
  gateway: ['kernel', 'store', 'devices', 'registry', 'ingest'],
  alerts: ['kernel', 'store', 'devices', 'registry', 'ingest'],
  inference: ['kernel', 'store', 'devices', 'registry', 'ingest', 'alerts'],
  dispatch: ['kernel', 'store', 'devices', 'registry', 'ingest', 'alerts'],
  timebank: ['kernel', 'store', 'registry'],
  services: ['kernel', 'store', 'registry', 'alerts', 'timebank'],
  reports: ['kernel', 'store', 'registry', 'alerts', 'dispatch', 'services', 'timebank'],
  privacy: ['kernel', 'store', 'registry', 'ingest', 'alerts'],
  cluster: ['kernel', 'store'],
  console: [
    'kernel',
    'store',
    'devices',
    'registry',
    'ingest',
    'alerts',
    'dispatch',
    'services',
    'timebank',
    'reports',
  ],
  hub: [
    'kernel',
    'store',
    'devices',
    'registry',
    'ingest',
    'gateway',
    'alerts',
    'inference',
    'dispatch',
    'timebank',
    'services',
    'reports',
    'privacy',
    'console',
    'cluster',
    'package.json',
  ],
  simulators: tools,
  bench: tools,
  scripts: tools,
  training: tools,
  test: tools,
};
/** What the console app (bundled for the browser) may import besides Node-free project modules. */
const browserPackages = new Set(['zod', 'echarts', 'socket.io-client']);
/** `device_events` has one writer: the event log. */
const eventWriter = 'ingest/event-log.ts';

const isTest = (file: string) => /\.test\.ts$/.test(file) || folderOf(file) === 'test';

function layerViolations(imports: Import[], rules: typeof layers): string[] {
  const wrong: string[] = [];
  for (const i of imports) {
    if (i.package || isTest(i.from)) continue;
    const from = folderOf(i.from);
    const to = folderOf(i.to);
    const allowed = rules[from];
    if (from === to || allowed === tools) continue;
    if (to === 'test' || !allowed?.includes(to)) wrong.push(`${i.from} -> ${i.to}`);
  }
  return wrong;
}

function nodeImportsOfBrowserCode(imports: Import[], appFiles: string[]): string[] {
  const reached = reachable(imports, appFiles);
  return imports
    .filter((i) => reached.has(i.from) && i.package && !browserPackages.has(i.to))
    .map((i) => `${i.from} -> ${i.to}`);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const files = sourceFiles(root);
const imports = readImports(root, files);

describe('architecture', () => {
  it('[ARCH-CYCLES] no two top-level folders import each other, directly or around a circle', () => {
    const product = imports.filter((i) => !isTest(i.from) && !isTest(i.to));
    expect(product.length).toBeGreaterThan(500);
    expect(folderCycles(product)).toEqual([]);
  });

  it('[ARCH-LAYERS] every import keeps the layer rules written at the top of this file', () => {
    expect(layerViolations(imports, layers)).toEqual([]);
  });

  it('[ARCH-ROOMS] every top-level folder with source is placed in the layer rules', () => {
    const folders = new Set(files.filter((f) => f.includes('/')).map(folderOf));
    expect([...folders].filter((f) => !(f in layers))).toEqual([]);
  });

  it('[ARCH-BROWSER] the console app reaches only Node-free modules (no node: and no server packages)', () => {
    const app = files.filter((f) => f.startsWith('console/app/') && !isTest(f));
    expect(app.length).toBeGreaterThan(20);
    expect(nodeImportsOfBrowserCode(imports, app)).toEqual([]);
  });

  it('[ARCH-EVENT-WRITER] only the event log writes device_events', () => {
    const writes = /\b(insertInto|updateTable|deleteFrom)\(\s*'device_events'/;
    const writers = files.filter((f) => !isTest(f) && writes.test(readFileSync(`${root}${f}`, 'utf8')));
    expect(writers).toEqual([eventWriter]);
  });
});

describe('architecture checks catch what they look for', () => {
  const edge = (from: string, to: string, typeOnly = false): Import => ({
    from,
    to,
    package: false,
    typeOnly,
  });
  const pkg = (from: string, to: string): Import => ({ from, to, package: true, typeOnly: false });

  it('[ARCH-CHECKS] a circle through three folders, a reach into hub/ and a server package in the app are found', () => {
    expect(
      folderCycles([edge('a/x.ts', 'b/y.ts'), edge('b/y.ts', 'c/z.ts'), edge('c/z.ts', 'a/w.ts')]),
    ).toEqual([['a', 'b', 'c']]);
    expect(
      layerViolations([edge('ingest/a.ts', 'hub/config.ts'), edge('kernel/a.ts', 'store/b.ts')], layers),
    ).toEqual(['ingest/a.ts -> hub/config.ts', 'kernel/a.ts -> store/b.ts']);
    expect(layerViolations([edge('ingest/a.test.ts', 'alerts/b.ts')], layers)).toEqual([]);
    const app = [
      edge('console/app/a.ts', 'alerts/model.ts', true),
      pkg('alerts/model.ts', 'node:fs'),
      pkg('console/app/a.ts', 'zod'),
    ];
    expect(nodeImportsOfBrowserCode(app, ['console/app/a.ts'])).toEqual(['alerts/model.ts -> node:fs']);
  });

  it('[ARCH-CHECKS] type-only, dynamic and asset imports are read', () => {
    const text = [
      "import type { A } from './a.js';",
      "import { b } from '../b/b.js';",
      "const c = await import('./c.js');",
      "const model = new URL('../models/fall.onnx', import.meta.url);",
      "import { z } from 'zod';",
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(importsOf(root, 'inference/pool/x.ts', text)).toEqual([
      { from: 'inference/pool/x.ts', to: 'inference/pool/a.js', package: false, typeOnly: true },
      { from: 'inference/pool/x.ts', to: 'inference/b/b.js', package: false, typeOnly: false },
      { from: 'inference/pool/x.ts', to: 'inference/pool/c.js', package: false, typeOnly: false },
      { from: 'inference/pool/x.ts', to: 'inference/models/fall.onnx', package: false, typeOnly: false },
      { from: 'inference/pool/x.ts', to: 'zod', package: true, typeOnly: false },
      { from: 'inference/pool/x.ts', to: 'node:fs', package: true, typeOnly: false },
    ]);
  });
});
