import type { Api } from '../api';

/**
 * Responders' names by id, for a table's volunteer column: the id itself where the reader may not
 * see the responders' board (or the id is no responder's).
 */
export async function responderNames(api: Api): Promise<(id: string) => string> {
  const people = await api.responders().catch(() => []);
  const names = new Map(people.map((p) => [p.id, p.name]));
  return (id) => names.get(id) ?? id;
}
