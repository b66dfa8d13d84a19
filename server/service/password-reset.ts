// "Forgot password": single-use, expiring reset links sent by e-mail. Only a SHA-256 of each
// token is stored (Store.passwordResets); a link works once, for one hour.
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { sha256 } from '../auth/service.ts';
import { parseInput, userPassword } from '../domain/schemas.ts';
import { setPassword } from './users.ts';
import type { ServiceDeps } from './context.ts';
import type { Store } from '../store/types.ts';
import type { Config } from '../config.ts';
import { actorOf, type Via } from '../auth/principal.ts';

export const RESET_TTL_MS = 3600_000;
/** A new link for the same user is not mailed again within this delay (no mail bombing). */
export const RESET_RESEND_MS = 60_000;
/** An activation link (new licence) waits longer for its user than a reset link: three days. */
export const ACTIVATION_TTL_MS = 72 * 3600_000;

export class PasswordResets {
  constructor(private readonly store: Store) {}

  /** A new token for this user, or null when one was issued moments ago. */
  async issue(userNumber: string, now = Date.now(), ttlMs = RESET_TTL_MS): Promise<string | null> {
    const token = randomBytes(32).toString('base64url');
    const issued = await this.store.passwordResets.issue({
      tokenHash: sha256(token),
      userNumber,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
      notBefore: new Date(now - RESET_RESEND_MS).toISOString(),
    });
    return issued ? token : null;
  }

  /** The user a still-valid token belongs to (not used, not expired), without using it. */
  async peek(token: string, now = Date.now()): Promise<string | undefined> {
    if (typeof token !== 'string' || token.length > 100) return undefined;
    return this.store.passwordResets.peek(sha256(token), new Date(now).toISOString());
  }

  /**
   * Set a new password through a token. The password is validated first so a typo does not burn
   * the link; the token is then claimed atomically (two tabs cannot both use it).
   * Returns the user's number, or undefined when the link is no longer valid.
   */
  async consume(deps: ServiceDeps, token: string, password: string, via: Via, now = Date.now()): Promise<string | undefined> {
    const pw = parseInput(userPassword, password, 'password');
    if (!(await this.peek(token, now))) return undefined;
    const at = new Date(now).toISOString();
    const number = await this.store.passwordResets.claim(sha256(token), at);
    if (!number) return undefined;
    const user = await this.store.users.get(number);
    if (!user) return undefined;
    // The trail names the user who proved they received the link.
    await setPassword(deps, actorOf({ kind: 'user', number, tenantId: user.tenantId, role: user.role }, via), number, pw);
    // Every other pending link of this user dies with this reset.
    await this.store.passwordResets.revokeAll(number, at);
    return number;
  }
}

/**
 * Can links be mailed? Both an SMTP server and the public URL of the cockpit must be configured:
 * a link is built from that URL only, never from the Host of a request (issue 12, finding 2).
 */
export function mailSetup(config: Pick<Config, 'smtp' | 'adminPublicUrl'>): { ready: true; baseUrl: string } | { ready: false; missing: string[] } {
  const missing = [...(config.smtp.host ? [] : ['CADRAN_SMTP_HOST']), ...(config.adminPublicUrl ? [] : ['CADRAN_ADMIN_PUBLIC_URL'])];
  return missing.length ? { ready: false, missing } : { ready: true, baseUrl: config.adminPublicUrl! };
}

/** The reset link: the cockpit's public URL (its path kept, e.g. behind a proxy at /cadran), then the token. */
export const resetLink = (baseUrl: string, token: string): string => `${baseUrl.replace(/\/+$/, '')}/password/reset/${encodeURIComponent(token)}`;

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
