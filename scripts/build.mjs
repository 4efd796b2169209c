// `npm run build`: the hub compiled to JavaScript and the console bundled, both into dist/, so that
// `npm start` runs plain Node with production dependencies only (no TypeScript, no Vite at start).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

rmSync(`${root}dist`, { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
run(bin('vite'), ['build', '-c', 'console/vite.config.ts', '--logLevel', 'warn']);
// What the built hub reads beside its code, at the same places relative to it as in the sources.
mkdirSync(`${root}dist/console`, { recursive: true });
cpSync(`${root}console/dist`, `${root}dist/console/dist`, { recursive: true });
cpSync(`${root}console/index.html`, `${root}dist/console/index.html`);
cpSync(`${root}inference/models`, `${root}dist/inference/models`, { recursive: true });
cpSync(`${root}package.json`, `${root}dist/package.json`);
writeFileSync(`${root}dist/.built`, `${new Date().toISOString()}\n`);
console.log('built into dist/');
