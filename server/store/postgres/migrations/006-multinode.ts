// Schema version 6, the same as SQLite's (sqlite/migrations/006-multinode.ts): resync leases,
// node heartbeats, shared probe blocks, template overrides in the database (issue 11).
import type { PgMigration } from './index.ts';
import { script, table, T } from './ddl.ts';

export const multiNode: PgMigration = {
  version: 6,
  name: 'multi-node: resync leases, node heartbeats, probe blocks, template overrides',
  up: script(
    `ALTER TABLE resync_targets ADD COLUMN lease_owner ${T}`,
    `ALTER TABLE resync_targets ADD COLUMN lease_until ${T}`,
    'CREATE INDEX resync_targets_lease ON resync_targets(lease_owner)',
    table('cluster_nodes', 'id PRIMARY KEY', 'started_at NOT NULL', 'heartbeat_at NOT NULL'),
    table('probe_blocks', 'ip PRIMARY KEY', 'blocked_until NOT NULL'),
    table('template_overrides', 'vendor NOT NULL', 'name NOT NULL', 'source text NOT NULL', 'updated_at NOT NULL', 'PRIMARY KEY (vendor, name)'),
  ),
};
