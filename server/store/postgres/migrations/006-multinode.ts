// Schema version 6, the same as SQLite's (sqlite/migrations/006-multinode.ts): resync leases,
// node heartbeats, shared probe blocks, template overrides in the database (issue 11).
import type { PgMigration } from './index.ts';

const T = 'text COLLATE "C"';

export const multiNode: PgMigration = {
  version: 6,
  name: 'multi-node: resync leases, node heartbeats, probe blocks, template overrides',
  up: `
    ALTER TABLE resync_targets ADD COLUMN lease_owner ${T};
    ALTER TABLE resync_targets ADD COLUMN lease_until ${T};
    CREATE INDEX resync_targets_lease ON resync_targets(lease_owner);
    CREATE TABLE cluster_nodes (
      id ${T} PRIMARY KEY,
      started_at ${T} NOT NULL,
      heartbeat_at ${T} NOT NULL
    );
    CREATE TABLE probe_blocks (
      ip ${T} PRIMARY KEY,
      blocked_until ${T} NOT NULL
    );
    CREATE TABLE template_overrides (
      vendor ${T} NOT NULL,
      name ${T} NOT NULL,
      source text NOT NULL,
      updated_at ${T} NOT NULL,
      PRIMARY KEY (vendor, name)
    );
  `,
};
