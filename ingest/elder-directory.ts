import type { Database } from '../store/database.js';

/**
 * Which org unit each elder belongs to, for tagging time series, kept in memory and
 * reloaded periodically (a district document changes it rarely).
 */
export class ElderDirectory {
  private units = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { db: Database; reloadMs: number }) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), this.deps.reloadMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  orgUnitOf(elderId: string | null): string | null {
    return elderId ? (this.units.get(elderId) ?? null) : null;
  }

  async reload(): Promise<void> {
    const rows = await this.deps.db.selectFrom('elders').select(['id', 'org_unit_id']).execute();
    this.units = new Map(rows.map((r) => [r.id, r.org_unit_id]));
  }
}
