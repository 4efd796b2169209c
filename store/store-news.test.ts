import pg from 'pg';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, withPostgres } from '../test/support/databases.js';
import { until } from '../test/support/wait.js';
import { StoreNews } from './store-news.js';

describe.runIf(withPostgres)('news between hub processes on one PostgreSQL store', () => {
  const running: StoreNews[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop()));
  });

  async function process(databaseUrl: string) {
    const heard = { count: 0 };
    const news = new StoreNews({
      databaseUrl,
      channel: 'yiyang_test_news',
      heard: () => {
        heard.count += 1;
      },
      logger: pino({ level: 'silent' }),
    });
    running.push(news);
    await news.start();
    return { news, heard };
  }

  it('[STORE-NEWS] what one process tells, another hears; after its listening connection is cut, it listens again and hears once for what it missed', async () => {
    const url = await freshPostgresDatabase();
    const a = await process(url);
    const b = await process(url);
    a.news.tell();
    await until(
      async () => b.heard.count,
      (n) => n === 1,
      3000,
    );
    expect(b.heard.count).toBe(1);

    // The server ends b's listening session (a restart, an admin's pg_terminate_backend).
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const cut = await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %'",
    );
    await admin.end();
    expect(cut.rowCount).toBe(2);
    // Back: one for what may have been told meanwhile, then the next tell as before.
    await until(
      async () => b.heard.count,
      (n) => n === 2,
      5000,
    );
    expect(b.heard.count).toBe(2);
    a.news.tell();
    await until(
      async () => b.heard.count,
      (n) => n === 3,
      5000,
    );
    expect(b.heard.count).toBe(3);
  });

  it('[STORE-NEWS] a channel name that is not an identifier is refused before any SQL is written with it', () => {
    expect(
      () =>
        new StoreNews({
          databaseUrl: 'postgres://127.0.0.1/none',
          channel: 'x; drop table users',
          heard: () => undefined,
          logger: pino({ level: 'silent' }),
        }),
    ).toThrow('not a channel name: x; drop table users');
  });
});
