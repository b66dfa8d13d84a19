// Rows as the Store hands them out, the same on both engines: one mapper per table, given how the
// engine returns the cells that differ (SQLite: JSON as text, booleans as 0/1, numbers as numbers;
// PostgreSQL: JSON parsed, booleans as booleans, bigint and count(*) as strings). Stored passwords
// are opened on the way out (secrets.ts): nothing above the store sees a ciphertext.
import type { AuditEntry } from '../domain/audit.ts';
import type { StoredFeatures } from '../domain/features.ts';
import { RESYNC_SCOPES } from '../domain/resync.ts';
import type { ResyncJob, ResyncScope, ResyncState, ResyncTarget, ResyncTargetRecord } from '../domain/resync.ts';
import type { SecretBox } from './secrets.ts';
import { FETCHED_FILE_BODY, PROVISIONING_PASSWORD, SIP_PASSWORD } from './secret-sites.ts';
import type {
  Contact, Credential, Device, FileFetch, FileSnapshot, FunctionKey, KeyTemplate, Operator, SharedContact, Sighting, TemplateOverride, Tenant, UnknownDevice, User,
} from './types.ts';

export type Row = Record<string, unknown>;

export const str = (v: unknown): string => v as string;
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
/** A number column (PostgreSQL hands bigint and count(*) out as text). */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
/** A boolean column: SQLite stores 0/1. */
export const bool = (v: unknown): boolean => v === true || v === 1;
/** An ISO-8601 text column as epoch ms (undefined when NULL). */
export const ms = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** How an engine hands out a JSON column: parsed (PostgreSQL `json`) or as its text (SQLite); SQL NULL stays null. */
export type JsonCell = (v: unknown) => unknown;
export const parsedJson: JsonCell = (v) => (v === undefined ? null : v);
export const textJson: JsonCell = (v) => (v === null || v === undefined ? null : JSON.parse(str(v)));

/** Every table's row mapper for one engine (its JSON cells) and one key ring. */
export function rowMappers(json: JsonCell, box: SecretBox) {
  return {
    tenant: (r: Row): Tenant => ({
      id: str(r.id), name: str(r.name), sipDomain: str(r.sip_domain), sipProxy: strOrNull(r.sip_proxy),
      sipPort: num(r.sip_port), sipTransport: r.sip_transport as Tenant['sipTransport'],
      security: box.openSecurity(json(r.security) as Tenant['security']), version: num(r.version), createdAt: str(r.created_at), updatedAt: str(r.updated_at),
    }),
    user: (r: Row): User => ({
      number: str(r.number), tenantId: str(r.tenant_id), name: str(r.name), email: strOrNull(r.email),
      role: r.role as User['role'], passwordHash: strOrNull(r.password_hash), sipAuthName: str(r.sip_auth_name),
      sipPassword: box.open(str(r.sip_password), SIP_PASSWORD), voicemailNumber: str(r.voicemail_number),
      version: num(r.version), keysVersion: num(r.keys_version),
      directoryHidden: bool(r.directory_hidden), keyTemplate: numOrNull(r.key_template),
      createdAt: str(r.created_at), updatedAt: str(r.updated_at),
    }),
    device: (r: Row): Device => ({
      mac: str(r.mac), tenantId: str(r.tenant_id), vendor: str(r.vendor), model: str(r.model),
      userNumber: strOrNull(r.user_number), label: strOrNull(r.label), expansionModules: num(r.expansion_modules),
      extraLines: json(r.extra_lines) as string[],
      provisioningUsername: strOrNull(r.provisioning_username),
      provisioningPassword: box.openNullable(strOrNull(r.provisioning_password), PROVISIONING_PASSWORD),
      version: num(r.version), enrolUntil: strOrNull(r.enrol_until), enrolledAt: strOrNull(r.enrolled_at), enrolledIp: strOrNull(r.enrolled_ip),
      group: strOrNull(r.device_group),
      createdAt: str(r.created_at), updatedAt: str(r.updated_at),
    }),
    key: (r: Row): FunctionKey => ({ position: num(r.position), type: r.type as FunctionKey['type'], value: strOrNull(r.value), label: strOrNull(r.label) }),
    /** A personal contact (owner: user_number) or a shared one of a tenant (owner: tenant_id). */
    contact: (r: Row): Contact => ({ id: num(r.id), userNumber: str(r.user_number), ...contactFields(r) }),
    sharedContact: (r: Row): SharedContact => ({ id: num(r.id), tenantId: str(r.tenant_id), ...contactFields(r) }),
    keyTemplate: (r: Row): KeyTemplate => ({
      id: num(r.id), tenantId: str(r.tenant_id), name: str(r.name), family: strOrNull(r.family),
      keys: json(r.keys) as FunctionKey[], version: num(r.version),
      createdAt: str(r.created_at), updatedAt: str(r.updated_at),
    }),
    features: (r: Row): StoredFeatures => ({
      dnd: { enabled: bool(r.dnd_enabled), allowedCallers: json(r.dnd_allowed) as string[] },
      forwardAlways: { enabled: bool(r.forward_enabled), target: strOrNull(r.forward_target) },
      rejectAnonymous: bool(r.reject_anonymous),
      blacklist: json(r.blacklist) as string[],
      version: num(r.version),
      updatedAt: str(r.updated_at),
    }),
    sighting: (r: Row): Sighting => ({
      mac: str(r.mac), at: str(r.at), ip: str(r.ip), userAgent: strOrNull(r.user_agent), firmware: strOrNull(r.firmware),
      file: str(r.file), protocol: str(r.protocol), model: strOrNull(r.model),
    }),
    fileFetch: (r: Row): FileFetch => ({ mac: str(r.mac), file: str(r.file), etag: str(r.etag), root: str(r.root), at: str(r.at) }),
    snapshot: (r: Row): FileSnapshot => {
      const body = strOrNull(r.body);
      return {
        mac: str(r.mac), file: str(r.file), etag: str(r.etag), size: num(r.size),
        body: body === null ? null : Buffer.from(box.open(body, FETCHED_FILE_BODY), 'base64'), at: str(r.at), owner: strOrNull(r.owner),
      };
    },
    unknown: (r: Row): UnknownDevice => ({
      mac: str(r.mac), vendor: strOrNull(r.vendor), model: strOrNull(r.model), ip: str(r.ip), userAgent: strOrNull(r.user_agent),
      firstSeen: str(r.first_seen), lastSeen: str(r.last_seen), count: num(r.count), assignedTenant: strOrNull(r.assigned_tenant),
    }),
    audit: (r: Row): AuditEntry => ({
      id: num(r.id), at: str(r.at), principal: str(r.principal), channel: r.channel as AuditEntry['channel'], address: str(r.address),
      action: str(r.action), tenantId: strOrNull(r.tenant_id), userNumber: strOrNull(r.user_number), mac: strOrNull(r.mac),
      targetId: strOrNull(r.target_id), before: json(r.before), after: json(r.after), changes: (json(r.changes) ?? []) as AuditEntry['changes'],
      summary: json(r.summary),
    }),
    credential: (r: Row): Credential => ({
      id: str(r.id), kind: r.kind as Credential['kind'], principalKind: r.principal_kind as Credential['principalKind'],
      principalId: str(r.principal_id), label: strOrNull(r.label), csrfToken: strOrNull(r.csrf_token),
      createdAt: str(r.created_at), lastUsedAt: str(r.last_used_at), expiresAt: str(r.expires_at),
      address: strOrNull(r.address), userAgent: strOrNull(r.user_agent),
    }),
    operator: (r: Row): Operator => ({ login: str(r.login), passwordHash: strOrNull(r.password_hash), createdAt: str(r.created_at) }),
    override: (r: Row): TemplateOverride => ({ vendor: str(r.vendor), name: str(r.name), source: str(r.source), updatedAt: str(r.updated_at) }),
    /** A resync target to send; its line's credentials (joined from users as auth_name / auth_password) opened. */
    target: (r: Row): ResyncTarget => toTarget(r, (v) => box.open(v, SIP_PASSWORD)),
    targetRecord,
    job: (r: Row): ResyncJob => {
      const kind = RESYNC_SCOPES.includes(r.scope as ResyncScope['kind']) ? (r.scope as ResyncScope['kind']) : 'change';
      const job: ResyncJob = {
        jobId: str(r.id), tenantId: str(r.tenant_id), scope: { kind, id: str(r.scope_id) }, reboot: bool(r.reboot),
        requestedBy: strOrNull(r.requested_by), createdAt: ms(r.created_at) ?? 0,
      };
      const cancelled = ms(r.cancelled_at);
      if (cancelled !== undefined) job.cancelledAt = cancelled;
      return job;
    },
  };
}
export type RowMappers = ReturnType<typeof rowMappers>;

const contactFields = (r: Row) => ({
  name: str(r.name), work: strOrNull(r.work), mobile: strOrNull(r.mobile), home: strOrNull(r.home), group: strOrNull(r.grp),
  version: num(r.version), createdAt: str(r.created_at), updatedAt: str(r.updated_at),
});

function toTarget(r: Row, open: (stored: string) => string): ResyncTarget {
  const t: ResyncTarget = {
    jobId: str(r.job_id),
    deviceMac: str(r.mac),
    tenantId: str(r.tenant_id),
    event: strOrNull(r.event) ?? '',
    target: { host: strOrNull(r.target) ?? '', port: numOrNull(r.target_port) ?? 0 },
    requestUri: strOrNull(r.request_uri) ?? '',
    fromDomain: strOrNull(r.from_domain) ?? '',
  };
  if (typeof r.user_number === 'string') t.userNumber = r.user_number;
  if (typeof r.auth_name === 'string' && typeof r.auth_password === 'string') {
    t.credentials = { username: r.auth_name, password: open(r.auth_password) };
  }
  return t;
}

/** A target as a job's report shows it (never its credentials). */
function targetRecord(r: Row): ResyncTargetRecord {
  const { credentials: _never, ...target } = toTarget({ ...r, auth_name: null, auth_password: null }, (v) => v);
  const rec: ResyncTargetRecord = { ...target, state: r.state as ResyncState, updatedAt: ms(r.updated_at) ?? 0 };
  const code = numOrNull(r.code);
  const reason = strOrNull(r.reason);
  const sent = ms(r.sent_at);
  const fetched = ms(r.fetched_at);
  if (code !== null) rec.code = code;
  if (reason !== null) rec.reason = reason;
  if (sent !== undefined) rec.sentAt = sent;
  if (fetched !== undefined) rec.fetchedAt = fetched;
  return rec;
}
