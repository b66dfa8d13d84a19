// Schema version 10: a user's line settings (issue 15) — DND with its priority callers, permanent
// forward, anonymous rejection, blacklist. One row per user that ever saved them (none: the
// defaults). Lists are JSON arrays of normalised numbers read with the row. `version` grows on
// every write so that a save based on an older read is refused instead of undoing another edit.
// (Numbers 006–009 are reserved for other work; a later migration keeps its own number.)
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const userFeatures: Migration = {
  version: 10,
  applied: hasTable('user_features'),
  name: 'user line features',
  up: `
    CREATE TABLE user_features (
      user_number TEXT PRIMARY KEY REFERENCES users(number) ON DELETE CASCADE,
      dnd_enabled INTEGER NOT NULL DEFAULT 0 CHECK (dnd_enabled IN (0, 1)),
      dnd_allowed TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(dnd_allowed) AND json_type(dnd_allowed) = 'array'),
      forward_enabled INTEGER NOT NULL DEFAULT 0 CHECK (forward_enabled IN (0, 1)),
      forward_target TEXT,
      reject_anonymous INTEGER NOT NULL DEFAULT 0 CHECK (reject_anonymous IN (0, 1)),
      blacklist TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(blacklist) AND json_type(blacklist) = 'array'),
      version INTEGER NOT NULL DEFAULT 1,
      updated_at TEXT NOT NULL
    );
  `,
};
