// Schema version 10 (same number as SQLite's 010): a user's line settings (issue 15), one row per
// user that saved them; lists are JSON arrays of normalised numbers; `version` grows on every write.
import type { PgMigration } from './index.ts';
import { script, table, VERSION } from './ddl.ts';

export const userFeatures: PgMigration = {
  version: 10,
  name: 'user line features',
  up: script(
    table('user_features', 'user_number PRIMARY KEY REFERENCES users(number) ON DELETE CASCADE', 'dnd_enabled boolean NOT NULL DEFAULT false',
      `dnd_allowed json NOT NULL DEFAULT '[]' CHECK (json_typeof(dnd_allowed) = 'array')`, 'forward_enabled boolean NOT NULL DEFAULT false',
      'forward_target', 'reject_anonymous boolean NOT NULL DEFAULT false', `blacklist json NOT NULL DEFAULT '[]' CHECK (json_typeof(blacklist) = 'array')`,
      VERSION, 'updated_at NOT NULL'),
  ),
};
