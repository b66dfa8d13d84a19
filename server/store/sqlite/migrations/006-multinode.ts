// Schema version 6: what several nodes on one database share (issue 11). The same tables exist
// on PostgreSQL (postgres/migrations/006-multinode.ts) and `cadran migrate` copies them.
// - resync_targets.lease_owner / lease_until: the node sending a target and until when its claim
//   holds (renewed while it works; expired, another node takes the target over);
// - cluster_nodes: one row per running server, its heartbeat (live nodes share the NOTIFY rates);
// - probe_blocks: addresses refused by the probe protection, until when (every node applies them);
// - template_overrides: operator templates replacing shipped ones, for every node.
// Times are ISO-8601 text like every other table (they compare as strings).
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const multiNode: Migration = {
  version: 6,
  applied: hasTable('template_overrides'),
  name: 'multi-node: resync leases, node heartbeats, probe blocks, template overrides',
  up: `
    ALTER TABLE resync_targets ADD COLUMN lease_owner TEXT;
    ALTER TABLE resync_targets ADD COLUMN lease_until TEXT;
    CREATE INDEX resync_targets_lease ON resync_targets(lease_owner);
    CREATE TABLE cluster_nodes (
      id TEXT PRIMARY KEY,
      started_at TEXT NOT NULL,
      heartbeat_at TEXT NOT NULL
    );
    CREATE TABLE probe_blocks (
      ip TEXT PRIMARY KEY,
      blocked_until TEXT NOT NULL
    );
    CREATE TABLE template_overrides (
      vendor TEXT NOT NULL,
      name TEXT NOT NULL,
      source TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (vendor, name)
    );
  `,
};
