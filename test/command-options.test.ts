import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A command run with tsx: its exit code and what it printed on stderr. */
function run(file: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { cwd: root, timeout: 30_000 },
      (error, _out, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

describe('the commands’ options', () => {
  it('[COMMAND-UNKNOWN-OPTION] an option a command does not know is named, with the command’s usage, exit 2 (no stack trace)', async () => {
    const commands = [
      ['simulators/simulate.ts', 'usage: simulate'],
      ['training/falls-eval.ts', 'usage: falls-eval'],
      ['training/build-dataset.ts', 'usage: build-dataset'],
      ['training/synth-dataset.ts', 'usage: synth-dataset'],
    ] as const;
    const results = await Promise.all(commands.map(([file]) => run(file, ['--datta', 'x'])));
    results.forEach((result, i) => {
      const [file, usage] = commands[i]!;
      expect(result.code, file).toBe(2);
      expect(result.stderr, file).toContain("Unknown option '--datta'");
      expect(result.stderr, file).toContain(usage);
      expect(result.stderr, file).not.toMatch(/\n\s+at /);
    });
  }, 60_000);
});
