/**
 * `text` (a documented config: an nginx site, an HAProxy file) with `from` replaced by `to`, which must
 * occur exactly once: a test changes only what it names, and notices when the document moved on.
 */
export function replaceOnce(text: string, from: string, to: string, where: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${where} has ${count} × "${from}", expected 1`);
  return text.replace(from, to);
}
