// `npm run <task>` for the hub's operator tasks (backup, restore, timebank:reconcile): from a
// checkout they run the TypeScript source under tsx; from a release (no sources, production
// dependencies only) they run what `npm run build` compiled into dist/scripts/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [task, ...args] = process.argv.slice(2);
if (!task || !/^[a-z-]+$/.test(task)) {
  console.error('usage: node scripts/run.mjs <task> [args…]');
  process.exit(2);
}
const source = join(root, 'scripts', `${task}.ts`);
const built = join(root, 'dist/scripts', `${task}.js`);
// tsx's loader in this process's child, not tsx's CLI (which would start yet another Node).
const tsx = join(root, 'node_modules/tsx/dist/loader.mjs');
let command;
if (existsSync(source) && existsSync(tsx)) command = ['--import', pathToFileURL(tsx).href, source, ...args];
else if (existsSync(built)) command = [built, ...args];
else {
  console.error(
    `${task}: neither scripts/${task}.ts (with tsx) nor dist/scripts/${task}.js is here; run \`npm run build\` first.`,
  );
  process.exit(2);
}
const result = spawnSync(process.execPath, command, { stdio: 'inherit' });
process.exit(result.status ?? 1);
