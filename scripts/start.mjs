// `npm start`: the built hub (dist/). It builds first only when dist/ is missing or older than a
// source file, and only where the build tools are installed; a production install
// (`npm ci --omit=dev`) runs what was built, and says so when nothing was.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist/.built');

/** The newest modification time among the hub's and the console's sources (ms). */
function newestSource() {
  // The folders whose change makes dist/ stale: those the build compiles (tsconfig.build.json's
  // `include`), among them `console/`, whose app Vite bundles.
  const sources = [
    ...new Set(
      JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')).include.map(
        (glob) => glob.split('/')[0],
      ),
    ),
  ];
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'dist' || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const folder of sources) if (existsSync(join(root, folder))) walk(join(root, folder));
  return newest;
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const canBuild =
  existsSync(join(root, 'node_modules/.bin/tsc')) && existsSync(join(root, 'node_modules/.bin/vite'));
if (!built || (canBuild && newestSource() > built)) {
  if (!canBuild) {
    console.error(
      'dist/ is missing and the build tools are not installed: run `npm ci && npm run build` first.',
    );
    process.exit(2);
  }
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(join(root, 'dist/hub/main.js'));
