import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * A command's options, read from its arguments (`strict`: an option it does not know is refused). On
 * one it does not know, or one given the wrong way, it prints why and its usage, and exits 2 — not
 * Node's stack trace.
 */
export function commandOptions<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>>['values'] {
  try {
    return parseArgs(config).values;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}
