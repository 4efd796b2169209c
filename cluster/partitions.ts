/**
 * The partition of an elder: FNV-1a over the id's UTF-16 code units, modulo the district's partition
 * count. Stable across processes, releases and Node versions — every hub must agree where an elder's
 * work lives, so this never changes for a given count.
 */
export function partitionOf(elderId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < elderId.length; i++) {
    hash ^= elderId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
