// Schema version 3: password reset links. Only a SHA-256 of the token is kept, so a copy of the
// database does not hand out working links; a link expires and works once.
import type { Migration } from './index.ts';

export const passwordResets: Migration = {
  version: 3,
  name: 'password reset tokens',
  up: `
    CREATE TABLE password_resets (
      token_hash TEXT PRIMARY KEY,
      user_number TEXT NOT NULL REFERENCES users(number) ON DELETE CASCADE,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      used_at TEXT
    );
    CREATE INDEX password_resets_user ON password_resets(user_number);
  `,
};
