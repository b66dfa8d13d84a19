// Who is acting, and the access rules in one place: an operator does anything; a tenant admin
// manages their own tenant; a user manages their own keys, contacts and phone.
import { forbidden, notFound } from '../domain/errors.ts';
import { formatMac } from '../domain/mac.ts';
import type { AuditChannel } from '../domain/audit.ts';
import type { Device, User } from '../store/types.ts';

export type Principal =
  | { kind: 'operator'; login: string }
  | { kind: 'user'; number: string; tenantId: string; role: 'user' | 'admin' }
  /** The local command line: whoever runs it owns the data directory. */
  | { kind: 'system' };


/** Where a request came from: the channel and the client's address (`cli` for the command line). */
export interface Via {
  channel: AuditChannel;
  address: string;
  /** The operating-system account running a command (CLI only). */
  account?: string;
}

/**
 * Who acts and from where: what every write service takes, so that the audit trail can say who
 * changed what, when and from where. The edges make one per request (API, web) or per command.
 */
export type Actor = Principal & { via: Via };

export const actorOf = (p: Principal, via: Via): Actor => ({ ...p, via });

/** The local command line (whoever runs it owns the data directory). */
export const SYSTEM: Actor = { kind: 'system', via: { channel: 'cli', address: 'cli' } };

/** The local command line, naming the operating-system account that runs it. */
export const cliActor = (account: string): Actor => ({ kind: 'system', via: { channel: 'cli', address: 'cli', account } });

/** The principal without its request details (for answers and sessions). */
export function bare(p: Principal): Principal {
  if (p.kind === 'operator') return { kind: 'operator', login: p.login };
  if (p.kind === 'user') return { kind: 'user', number: p.number, tenantId: p.tenantId, role: p.role };
  return { kind: 'system' };
}

/** How the trail names who acted: `operator:admin`, `admin:0145678901`, `cli:root`. */
export function auditName(a: Actor): string {
  if (a.kind === 'system') return `cli:${a.via.account ?? 'local'}`;
  return describe(a);
}

export const isOperator = (p: Principal): boolean => p.kind === 'operator' || p.kind === 'system';

export function describe(p: Principal): string {
  if (p.kind === 'operator') return `operator:${p.login}`;
  if (p.kind === 'user') return `${p.role}:${p.number}`;
  return 'cli';
}

/** Operators only: creating tenants, importing for any tenant, claiming unknown phones. */
export function requireOperator(p: Principal): void {
  if (!isOperator(p)) throw forbidden('forbidden.operator_only');
}

/** Operators, or an admin of this tenant. A user of another tenant learns nothing (404). */
export function requireTenantAdmin(p: Principal, tenantId: string): void {
  if (isOperator(p)) return;
  if (p.kind === 'user' && p.tenantId === tenantId) {
    if (p.role === 'admin') return;
    throw forbidden('forbidden.tenant_admin_only');
  }
  throw notFound('not_found.tenant', { id: tenantId });
}

/** Anyone of the tenant may read its basic facts (e.g. the colleagues to supervise). */
export function requireTenantMember(p: Principal, tenantId: string): void {
  if (isOperator(p)) return;
  if (p.kind === 'user' && p.tenantId === tenantId) return;
  throw notFound('not_found.tenant', { id: tenantId });
}

/** The user themself, an admin of their tenant, or an operator. Others get 404, not 403, so
 *  numbers of other tenants cannot be probed. */
export function requireUserAccess(p: Principal, user: User): void {
  if (isOperator(p)) return;
  if (p.kind === 'user') {
    if (p.number === user.number) return;
    if (p.tenantId === user.tenantId) {
      if (p.role === 'admin') return;
      throw forbidden('forbidden.own_licence_only');
    }
  }
  throw notFound('not_found.user', { number: user.number });
}

/** Managing another user's licence itself (rename, role, password reset): admins and operators. */
export function requireUserAdmin(p: Principal, user: User): void {
  requireUserAccess(p, user);
  if (p.kind === 'user' && p.role !== 'admin') throw forbidden('forbidden.admin_only');
}

/** A device: operators; admins of its tenant; the user it is assigned to (read + resync). */
export function requireDeviceAccess(p: Principal, device: Device, write: boolean): void {
  if (isOperator(p)) return;
  if (p.kind === 'user' && p.tenantId === device.tenantId) {
    if (p.role === 'admin') return;
    if (p.number === device.userNumber && !write) return;
    if (p.number === device.userNumber) throw forbidden('forbidden.device_admin_only');
  }
  throw notFound('not_found.device', { mac: formatMac(device.mac) });
}
