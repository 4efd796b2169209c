// `npm run release`: the tarball a district IT team installs — the built hub (dist/), the
// lock file, the start and task scripts, deploy files and docs; no sources, no build tools.
// Installed with `npm ci --omit=dev` in an empty folder and run with `npm start` (docs/deploy.md).
//   node scripts/release.mjs [--out <folder>]   → <folder>/yiyang-<version>.tgz (default release/)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string', default: 'release' } } });
const out = resolve(root, values.out);
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const folder = `${name}-${version}`;
const stage = join(out, folder);

/** Everything in the release beside dist/, at the same paths as in the checkout. */
const shipped = [
  'package.json',
  'package-lock.json',
  '.npmrc',
  '.nvmrc',
  'scripts/start.mjs',
  'scripts/run.mjs',
  'deploy',
  'docs',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
];

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
// Always a fresh build: a release must not carry whatever an old dist/ held.
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out', join(stage, 'dist')], {
  cwd: root,
  stdio: 'inherit',
});
for (const path of shipped) {
  if (!existsSync(join(root, path))) throw new Error(`release: ${path} is missing from the checkout`);
  cpSync(join(root, path), join(stage, path), { recursive: true });
}
const tarball = join(out, `${folder}.tgz`);
execFileSync('tar', ['-czf', tarball, '-C', out, folder]);
rmSync(stage, { recursive: true, force: true });
console.log(`release: ${tarball}`);
