// "Forgot password": single-use, expiring reset links sent by e-mail. Only a SHA-256 of each
// token is stored (table password_resets, migration 003); a link works once, for one hour.
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Database } from 'better-sqlite3';
import { sha256 } from './service.ts';
import { parseInput, userPassword } from '../domain/schemas.ts';
import { setPassword } from '../service/users.ts';
import type { ServiceDeps } from '../service/context.ts';
import type { Store } from '../store/types.ts';
import type { Config } from '../config.ts';

export const RESET_TTL_MS = 3600_000;
/** A new link for the same user is not mailed again within this delay (no mail bombing). */
export const RESET_RESEND_MS = 60_000;

export class PasswordResets {
  constructor(private readonly db: Database) {}

  /** A new token for this user, or null when one was issued moments ago. */
  issue(userNumber: string, now = Date.now()): string | null {
    const recent = this.db
      .prepare('SELECT 1 FROM password_resets WHERE user_number = ? AND used_at IS NULL AND created_at > ?')
      .get(userNumber, new Date(now - RESET_RESEND_MS).toISOString());
    if (recent) return null;
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO password_resets (token_hash, user_number, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256(token), userNumber, new Date(now).toISOString(), new Date(now + RESET_TTL_MS).toISOString());
    // Old rows are useless past their expiry: keep the table small.
    this.db.prepare('DELETE FROM password_resets WHERE expires_at < ?').run(new Date(now - RESET_TTL_MS).toISOString());
    return token;
  }

  /** The user a still-valid token belongs to (not used, not expired), without using it. */
  peek(token: string, now = Date.now()): string | undefined {
    if (typeof token !== 'string' || token.length > 100) return undefined;
    const row = this.db
      .prepare('SELECT user_number AS n FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?')
      .get(sha256(token), new Date(now).toISOString()) as { n: string } | undefined;
    return row?.n;
  }

  /**
   * Set a new password through a token. The password is validated first so a typo does not burn
   * the link; the token is then claimed atomically (two tabs cannot both use it).
   * Returns the user's number, or undefined when the link is no longer valid.
   */
  async consume(deps: ServiceDeps, token: string, password: string, now = Date.now()): Promise<string | undefined> {
    const pw = parseInput(userPassword, password, 'password');
    const number = this.peek(token, now);
    if (!number) return undefined;
    const claimed = this.db
      .prepare('UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?')
      .run(new Date(now).toISOString(), sha256(token), new Date(now).toISOString());
    if (claimed.changes !== 1) return undefined;
    await setPassword(deps, number, pw);
    // Every other pending link of this user dies with this reset.
    this.db.prepare('UPDATE password_resets SET used_at = ? WHERE user_number = ? AND used_at IS NULL').run(new Date(now).toISOString(), number);
    return number;
  }
}

/** The reset-link repository of a store that has a SQLite database underneath. */
export function passwordResetsOf(store: Store): PasswordResets {
  const db = (store as Store & { db?: Database }).db;
  if (!db) throw new Error('password resets need the SQLite store');
  return new PasswordResets(db);
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Send one message through the configured SMTP server; false when no server is configured. */
export async function sendMail(smtp: Config['smtp'], mail: Mail): Promise<boolean> {
  if (!smtp.host) return false;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text });
    return true;
  } finally {
    transport.close();
  }
}
