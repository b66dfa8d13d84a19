// What the API shows of each record. Password hashes never leave; SIP and provisioning secrets
// are shown only to those who manage them.
import { formatMac } from '../domain/mac.ts';
import { isOperator, type Principal } from '../auth/principal.ts';
import type { Contact, Credential, Device, KeyTemplate, SharedContact, Sighting, Tenant, UnknownDevice, User } from '../store/types.ts';
import { enrolmentView } from '../service/enrolment.ts';
import type { ConfigInfo, FleetDevice } from '../provision/fleet.ts';
import type { AuditEntry } from '../domain/audit.ts';

export const tenantView = (t: Tenant, p: Principal) => ({
  id: t.id,
  name: t.name,
  sipDomain: t.sipDomain,
  sipProxy: t.sipProxy,
  sipPort: t.sipPort,
  sipTransport: t.sipTransport,
  ...(isOperator(p) ? { security: t.security } : {}),
  version: t.version,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

const managesUser = (p: Principal, u: User) =>
  isOperator(p) || (p.kind === 'user' && (p.number === u.number || (p.role === 'admin' && p.tenantId === u.tenantId)));

export const userView = (u: User, p: Principal) => {
  const full = managesUser(p, u);
  return {
    number: u.number,
    tenant: u.tenantId,
    name: u.name,
    ...(full
      ? {
          email: u.email,
          role: u.role,
          sipAuthName: u.sipAuthName,
          sipPassword: u.sipPassword,
          voicemailNumber: u.voicemailNumber,
          hasPassword: !!u.passwordHash,
          version: u.version,
          keysVersion: u.keysVersion,
          directoryHidden: u.directoryHidden,
          keyTemplate: u.keyTemplate,
          createdAt: u.createdAt,
          updatedAt: u.updatedAt,
        }
      : {}),
  };
};

export const deviceView = (d: Device, p: Principal, seen?: Sighting, config?: ConfigInfo, tenant?: Pick<Tenant, 'security'>) => ({
  mac: formatMac(d.mac),
  vendor: d.vendor,
  model: d.model,
  tenant: d.tenantId,
  user: d.userNumber,
  label: d.label,
  expansionModules: d.expansionModules,
  extraLines: d.extraLines,
  group: d.group,
  ...(isOperator(p) || (p.kind === 'user' && p.role === 'admin')
    ? {
        provisioningUsername: d.provisioningUsername,
        hasProvisioningPassword: !!d.provisioningPassword,
        ...(tenant ? { enrolment: enrolmentView(d, tenant.security) } : {}),
      }
    : {}),
  version: d.version,
  lastSeen: seen
    ? { at: seen.at, ip: seen.ip, userAgent: seen.userAgent, firmware: seen.firmware, file: seen.file, protocol: seen.protocol }
    : null,
  /** Firmware and model the phone's User-Agent reported (null until it was seen saying them). */
  firmware: seen?.firmware ?? null,
  reportedModel: seen?.model ?? null,
  configState: config?.configState ?? 'never-fetched',
  pendingFiles: config?.pendingFiles ?? [],
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export const fleetView = (f: FleetDevice, p: Principal, tenant?: Pick<Tenant, 'security'>) => deviceView(f.device, p, f.seen, f.config, tenant);

export const contactView = (c: Contact | SharedContact) => ({
  id: c.id,
  name: c.name,
  work: c.work,
  mobile: c.mobile,
  home: c.home,
  group: c.group,
  version: c.version,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/**
 * A contact added by someone who does not read the address book (an admin, an operator): what
 * they sent, as stored (numbers normalised), and nothing of the book — no id, no version.
 */
export const depositView = (c: Contact) => ({
  name: c.name,
  work: c.work,
  mobile: c.mobile,
  home: c.home,
  group: c.group,
});

export const unknownView = (u: UnknownDevice, p: Principal) => ({
  mac: formatMac(u.mac),
  vendor: u.vendor,
  model: u.model,
  ip: u.ip,
  userAgent: u.userAgent,
  firstSeen: u.firstSeen,
  lastSeen: u.lastSeen,
  count: u.count,
  ...(isOperator(p) ? { assignedTenant: u.assignedTenant } : {}),
});

export const auditView = (e: AuditEntry) => ({
  id: e.id,
  at: e.at,
  principal: e.principal,
  channel: e.channel,
  address: e.address,
  action: e.action,
  tenant: e.tenantId,
  user: e.userNumber,
  device: e.mac === null ? null : formatMac(e.mac),
  target: e.targetId,
  before: e.before,
  after: e.after,
  changes: e.changes,
  summary: e.summary,
});

/** A session or API token as its owner sees it: never a secret (those are kept hashed anyway). */
export const credentialView = (c: Credential, endsAt: string, currentId?: string) => ({
  id: c.id,
  kind: c.kind,
  principal: `${c.principalKind}:${c.principalId}`,
  label: c.label,
  createdAt: c.createdAt,
  lastUsedAt: c.lastUsedAt,
  /** When it stops working if nobody uses it (idle limit of a session, or its absolute end). */
  expiresAt: endsAt,
  /** Its absolute end, used or not. */
  maxExpiresAt: c.expiresAt,
  address: c.address,
  userAgent: c.userAgent,
  current: c.id === currentId,
});

export const sharedContactView = (c: SharedContact) => ({ tenant: c.tenantId, ...contactView(c) });

/** `licences`: the numbers of the licences using it. */
export const keyTemplateView = (t: KeyTemplate, licences: string[]) => ({
  id: t.id,
  tenant: t.tenantId,
  name: t.name,
  family: t.family,
  keys: t.keys.map((k) => ({ position: k.position, type: k.type, value: k.value, label: k.label })),
  version: t.version,
  licences,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});
