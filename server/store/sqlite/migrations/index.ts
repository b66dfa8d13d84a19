// Versioned migrations, applied in order inside one transaction each. A database made by an
// older cadran is upgraded in place; `PRAGMA user_version` records the version reached.
//
// Numbers are reserved per branch and land out of order (009 reached main before 007 and 008): a
// database at version 9 made without 008 would skip it for ever if only the highest version
// counted. A migration from 007 on therefore says how to tell it was applied (`applied`: a table
// or column it makes); one below the database's version that was not is applied then.
import type { Database } from 'better-sqlite3';
import type { SecretBox } from '../../secrets.ts';
import { initial } from './001-initial.ts';
import { phoneActivity } from './002-phone-activity.ts';
import { passwordResets } from './003-password-resets.ts';
import { resyncTargets } from './004-resync.ts';
import { extraLines } from './005-extra-lines.ts';
import { multiNode } from './006-multinode.ts';
import { authSessions } from './007-auth-sessions.ts';
import { versionsEnrolment } from './008-versions-enrolment.ts';
import { auditFleet } from './009-audit-fleet.ts';
import { userFeatures } from './010-user-features.ts';
import { directoryTemplates } from './011-directory-templates.ts';
import { deviceGroups } from './012-device-groups.ts';
import { fetchedFiles } from './013-fetched-files.ts';
import { snapshotOwner } from './014-snapshot-owner.ts';

export interface Migration {
  version: number;
  name: string;
  /** SQL script (several statements) or a function for data migrations. */
  up: string | ((db: Database, ctx: MigrationContext) => void);
  /** Whether this database already has it (migrations that may land after a higher number). */
  applied?: (db: Database) => boolean;
}


/** What data migrations may need besides the database. */
export interface MigrationContext {
  /** Seals passwords with the installation's current key (secrets.ts). */
  box: SecretBox;
}

// The runner applies what is above the database's version, in this order.
export const migrations: Migration[] = [
  initial, phoneActivity, passwordResets, resyncTargets, extraLines, multiNode, authSessions, versionsEnrolment, auditFleet, userFeatures, directoryTemplates,
  deviceGroups, fetchedFiles, snapshotOwner,
];

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Apply every migration above the database's version, up to `target` (default: all). */
export function migrate(db: Database, ctx: MigrationContext, target = migrations[migrations.length - 1]!.version, list: Migration[] = migrations): number[] {
  const applied: number[] = [];
  for (const m of list) {
    if (m.version > target) continue;
    const below = m.version <= schemaVersion(db);
    // Below the version reached: applied, unless it landed after a higher number (a gap).
    if (below && (!m.applied || m.applied(db))) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db, ctx);
      if (!below) db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  const current = schemaVersion(db);
  const latest = migrations[migrations.length - 1]!.version;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this cadran (${latest}); upgrade cadran`);
  }
  return applied;
}
