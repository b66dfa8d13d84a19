// Versioned migrations, applied in order inside one transaction each. A database made by an
// older cadran is upgraded in place; `PRAGMA user_version` records the version reached.
import type { Database } from 'better-sqlite3';
import type { SecretBox } from '../../secrets.ts';
import { initial } from './001-initial.ts';
import { phoneActivity } from './002-phone-activity.ts';
import { passwordResets } from './003-password-resets.ts';
import { resyncTargets } from './004-resync.ts';
import { extraLines } from './005-extra-lines.ts';
import { authSessions } from './007-auth-sessions.ts';
import { auditFleet } from './009-audit-fleet.ts';
import { deviceGroups } from './012-device-groups.ts';

export interface Migration {
  version: number;
  name: string;
  /** SQL script (several statements) or a function for data migrations. */
  up: string | ((db: Database, ctx: MigrationContext) => void);
}

/** What data migrations may need besides the database. */
export interface MigrationContext {
  /** Seals passwords with the installation's current key (secrets.ts). */
  box: SecretBox;
}

// The runner applies what is above the database's version, in this order (006: multi-node work
// landing separately).
export const migrations: Migration[] = [initial, phoneActivity, passwordResets, resyncTargets, extraLines, authSessions, auditFleet, deviceGroups];

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Apply every migration above the database's version, up to `target` (default: all). */
export function migrate(db: Database, ctx: MigrationContext, target = migrations[migrations.length - 1]!.version): number[] {
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= schemaVersion(db) || m.version > target) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db, ctx);
      db.pragma(`user_version = ${m.version}`);
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
