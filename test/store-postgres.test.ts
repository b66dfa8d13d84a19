// The shared store suite on PostgreSQL (a fresh database per test; see test/helpers/postgres.ts),
// plus what only this engine has: TLS and pool settings, the change feed's reconnection.
import { storeSuite, type SuiteDatabase } from './helpers/store-suite.ts';
import { createTestDatabase, dropTestDatabases, sqlOn } from './helpers/postgres.ts';
import { openPostgresStore, latestPgVersion } from '../server/store/postgres/index.ts';

async function newDatabase(): Promise<SuiteDatabase> {
  const db = await createTestDatabase();
  return {
    open: () => openPostgresStore({ url: db.url, poolSize: 4 }),
    schemaVersion: async () => {
      const r = await sqlOn<{ v: number | null }>(db.url, `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE (SELECT max(version) FROM schema_migrations) END AS v`);
      return r[0]?.v ?? 0;
    },
    markNewer: async (v) => {
      await sqlOn(db.url, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from a newer cadran')`, [v]);
    },
  };
}

storeSuite({ engine: 'postgres', latestVersion: latestPgVersion(), newDatabase, feed: 'notify', cleanup: dropTestDatabases });
