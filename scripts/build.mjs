// `npm run build`: the hub compiled to JavaScript and the console bundled, both into dist/, so that
// `npm start` runs plain Node with production dependencies only (no TypeScript, no Vite at start).
// `node scripts/build.mjs --out <folder>` builds into another folder (the release does), leaving
// the checkout's dist/ and console/dist/ alone.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
const out = resolve(root, values.out);
const bin = (name) => `${root}node_modules/.bin/${name}`;
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', out]);
// The built hub serves the console from console/dist beside its own console/ folder.
run(bin('vite'), [
  'build',
  '-c',
  'console/vite.config.ts',
  '--outDir',
  `${out}/console/dist`,
  '--emptyOutDir',
  '--logLevel',
  'warn',
]);
// What the built hub reads beside its code, at the same places relative to it as in the sources.
mkdirSync(`${out}/console`, { recursive: true });
cpSync(`${root}console/index.html`, `${out}/console/index.html`);
cpSync(`${root}inference/models`, `${out}/inference/models`, { recursive: true });
cpSync(`${root}package.json`, `${out}/package.json`);
writeFileSync(`${out}/.built`, `${new Date().toISOString()}\n`);
console.log(`built into ${values.out}/`);
