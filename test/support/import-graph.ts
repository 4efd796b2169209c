import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One import of a source file: where it points and whether only types cross it. */
export interface Import {
  from: string;
  /** A project file (relative to the root) or a package name (`zod`, `node:fs`). */
  to: string;
  package: boolean;
  typeOnly: boolean;
}

const skipped = new Set([
  'node_modules',
  'dist',
  '.git',
  'test-artifacts',
  'data',
  '.test-services',
  'results',
]);
const sourceFile = /\.(ts|mts|js|mjs|cjs)$/;
// import/export … from '…' (with `type` noted), bare `import '…'`, dynamic `import('…')`, `new URL('…', import.meta.url)`
const importPattern =
  /\b(import|export)(\s+type)?\s[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]|new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url/g;

/** Every source file under `root`, relative paths, tests included (callers filter). */
export function sourceFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || skipped.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(root, path, out);
    else if (sourceFile.test(name) && !name.endsWith('.d.ts'))
      out.push(relative(root, path).split(sep).join('/'));
  }
  return out.sort();
}

function resolveSpecifier(root: string, from: string, specifier: string): string {
  const base = resolve(root, dirname(from), specifier);
  const tries = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  const found = tries.find((t) => existsSync(t) && statSync(t).isFile());
  // a folder or an asset (`../console/dist/`, a model file): still a dependency on that folder
  return relative(root, found ?? base)
    .split(sep)
    .join('/');
}

/** The imports of one file's text. */
export function importsOf(root: string, file: string, text: string): Import[] {
  const found: Import[] = [];
  for (const m of text.matchAll(importPattern)) {
    const specifier = m[3] ?? m[4] ?? m[5] ?? m[6];
    if (!specifier) continue;
    const typeOnly = m[2] !== undefined;
    if (specifier.startsWith('.')) {
      found.push({ from: file, to: resolveSpecifier(root, file, specifier), package: false, typeOnly });
    } else {
      const name = specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]!;
      found.push({ from: file, to: name, package: true, typeOnly });
    }
  }
  return found;
}

export function readImports(root: string, files: string[]): Import[] {
  return files.flatMap((file) => importsOf(root, file, readFileSync(join(root, file), 'utf8')));
}

/** The top-level folder of a project path (`alerts/alert-book.ts` → `alerts`). */
export const folderOf = (path: string) => path.split('/')[0]!;

/** Folders that reach each other through imports (strongly connected components, Tarjan). */
export function folderCycles(imports: Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    if (i.package) continue;
    const a = folderOf(i.from);
    const b = folderOf(i.to);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])];
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return cycles;
}

/** The project files `start` reaches through relative imports (type-only ones too), itself included. */
export function reachable(imports: Import[], start: string[]): Set<string> {
  const byFile = new Map<string, Import[]>();
  for (const i of imports) if (!i.package) byFile.set(i.from, [...(byFile.get(i.from) ?? []), i]);
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of byFile.get(file) ?? []) todo.push(i.to);
  }
  return seen;
}
