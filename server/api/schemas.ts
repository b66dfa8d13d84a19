// What the API answers, as zod schemas: the response side of the OpenAPI document (openapi.ts).
// Request bodies are the schemas the routes already validate with (domain/schemas.ts); these
// describe views.ts and the feature routers' answers, and test/openapi.test.ts checks every
// route's real answers against them (objects are closed: an undocumented field fails).
import { z } from 'zod';
import { provisioningSecurity, sipTransport, networkProfile, role } from '../domain/schemas.ts';
import { RESYNC_STATES } from '../domain/resync.ts';
import { CONFIG_STATES } from '../provision/fleet.ts';

const time = z.iso.datetime({ offset: true }).describe('ISO 8601 time');
const mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/).describe('MAC address, lower case, colon-separated');
const number10 = z.string().regex(/^\d{10}$/).describe('10-digit user number');

/** Optimistic concurrency: the answer's ETag is `"v<version>"`; a write with an older If-Match gets 412. */
const rowVersion = z.number().int().min(0).describe('row version (ETag "v<version>"; If-Match with an older one: 412, nothing written)');

const messageParams = z.record(z.string(), z.unknown()).describe('the values the message quotes');

/** A catalogue key with its parameters: what the words say, for a client that words things itself. */
const message = z.object({ key: z.string(), params: messageParams.optional() }).strict();

export const errorDetail = z
  .object({
    field: z.string().optional(),
    line: z.number().int().optional(),
    key: z.string().describe('catalogue key of the problem (stable)'),
    params: messageParams.optional(),
    code: z.string().optional().describe('stable code of the rule, when it has one'),
    message: z.string().describe('in the language of Accept-Language (French unless English is preferred)'),
  })
  .strict();

export const errorBody = z
  .object({
    error: z
      .object({
        code: z.string().describe('stable: validation_failed, unauthenticated, forbidden, not_found, conflict, too_many_requests, bad_request, payload_too_large, busy, internal'),
        key: z.string().describe('catalogue key of the message (stable)'),
        params: messageParams.optional(),
        message: z.string().describe('in the language of Accept-Language (French unless English is preferred)'),
        details: z.array(errorDetail),
      })
      .strict(),
  })
  .strict();

export const apiRoot = z.object({ name: z.literal('cadran'), api: z.literal('v1'), docs: z.string(), openapi: z.string() }).strict();

export const principalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('operator'), login: z.string() }).strict(),
  z.object({ kind: z.literal('user'), number: number10, tenantId: z.string(), role }).strict(),
  z.object({ kind: z.literal('system') }).strict(),
]);

/** A session or API token as the API shows it (never a secret). */
export const credential = z
  .object({
    id: z.string(), kind: z.string(), principal: z.string(), label: z.string().nullable(), createdAt: z.string(), lastUsedAt: z.string(),
    expiresAt: z.string(), maxExpiresAt: z.string(), address: z.string().nullable(), userAgent: z.string().nullable(), current: z.boolean(),
  })
  .strict();
export const sessionCreated = z.object({ token: z.string(), csrfToken: z.string(), principal: principalSchema, session: credential }).strict();
export const sessionCurrent = z.object({ principal: principalSchema, csrfToken: z.string().nullable(), session: credential.nullable() }).strict();
export const sessionsRevoked = z.object({ revoked: z.number().int() }).strict();

export const tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    sipDomain: z.string(),
    sipProxy: z.string().nullable(),
    sipPort: z.number().int(),
    sipTransport,
    security: provisioningSecurity.optional().describe('operators only'),
    version: rowVersion,
    createdAt: time,
    updatedAt: time,
  })
  .strict();

export const user = z
  .object({
    number: number10,
    tenant: z.string(),
    name: z.string(),
    // Shown to the user themself, their tenant's admins and operators only:
    email: z.string().nullable().optional(),
    role: role.optional(),
    sipAuthName: z.string().optional(),
    sipPassword: z.string().optional(),
    voicemailNumber: z.string().optional(),
    hasPassword: z.boolean().optional(),
    version: rowVersion.optional(),
    keysVersion: rowVersion.optional().describe('version of the function key list (ETag of /users/{number}/keys)'),
    directoryHidden: z.boolean().optional(),
    keyTemplate: z.number().int().nullable().optional(),
    createdAt: time.optional(),
    updatedAt: time.optional(),
  })
  .strict();

export const configState = z.enum(CONFIG_STATES as [string, ...string[]]);

/** Adopt-before-serve: may this phone fetch its files once without credentials, and did it. */
export const enrolment = z
  .object({
    state: z.enum(['not-required', 'open', 'enrolled', 'expired', 'closed']),
    until: time.nullable().describe('end of the open enrolment window'),
    enrolledAt: time.nullable(),
    enrolledFrom: z.string().nullable().describe('address of the fetch that took the credentials'),
  })
  .strict();

export const device = z
  .object({
    mac,
    vendor: z.string(),
    model: z.string(),
    tenant: z.string(),
    user: number10.nullable(),
    label: z.string().nullable(),
    expansionModules: z.number().int(),
    extraLines: z.array(number10).describe('other licences this phone registers as extra lines'),
    group: z.string().nullable().describe('group label (firmware rollouts, bulk edits)'),
    provisioningUsername: z.string().nullable().optional().describe('admins and operators only'),
    hasProvisioningPassword: z.boolean().optional().describe('admins and operators only'),
    enrolment: enrolment.optional().describe('admins and operators only'),
    version: rowVersion,
    lastSeen: z
      .object({
        at: time,
        ip: z.string(),
        userAgent: z.string().nullable(),
        firmware: z.string().nullable(),
        file: z.string(),
        protocol: z.string().describe('http, https or tftp'),
      })
      .strict()
      .nullable(),
    firmware: z.string().nullable().describe('firmware version from the User-Agent'),
    reportedModel: z.string().nullable().describe('model named by the User-Agent'),
    configState: configState.describe('never-fetched; current: every file the phone fetched is byte-identical to what it would get now; pending: otherwise'),
    pendingFiles: z.array(z.string()).describe('fetched files whose current version the phone has not fetched'),
    createdAt: time,
    updatedAt: time,
  })
  .strict();

/** `POST /devices/{mac}/credentials`: the device with its new provisioning password (shown in this answer only). */
export const deviceCredentials = device.extend({ provisioningPassword: z.string() }).strict();

export const userWithDevices = user.extend({ devices: z.array(device) }).strict();

export const key = z
  .object({ position: z.number().int(), type: z.enum(['line', 'blf', 'speeddial']), value: z.string().nullable(), label: z.string().nullable() })
  .strict();

export const network = networkProfile;
export const deviceNetwork = z.object({ overrides: networkProfile, effective: networkProfile }).strict();

/** What a personal contact and a contact of the company directory both show. */
const contactCard = {
  name: z.string(), work: z.string().nullable(), mobile: z.string().nullable(), home: z.string().nullable(), group: z.string().nullable(),
};

/** A contact added by an admin or an operator to a book they do not read: what they sent, nothing more. */
export const contactDeposit = z
  .object(contactCard)
  .strict()
  .describe('the contact as added (numbers normalised), without id or version: the address book is private to its user');

export const contact = z.object({ id: z.number().int(), ...contactCard, version: rowVersion, createdAt: time, updatedAt: time }).strict();

export const sharedContact = z.object({ id: z.number().int(), tenant: z.string(), ...contactCard, version: rowVersion, createdAt: time, updatedAt: time }).strict();

export const keyTemplate = z
  .object({
    id: z.number().int(),
    tenant: z.string(),
    name: z.string(),
    family: z.string().nullable().describe('vendor id or model the template is meant for; null: any phone'),
    keys: z.array(key),
    version: z.number().int().describe('grows at each change; a change names the version it was made from (409 when stale)'),
    licences: z.array(number10).describe('licences using the template'),
    createdAt: time,
    updatedAt: time,
  })
  .strict();

export const effectiveKey = key.extend({ source: z.enum(['template', 'user']) }).strict();

export const deviceChecks = z
  .object({
    mac,
    problems: z.array(
      z
        .object({
          field: z.string(),
          message: z.string().describe('English text; `code` and `params` for a translation'),
          code: z.string().optional(),
          params: messageParams.optional(),
        })
        .strict(),
    ),
    shadows: z
      .array(z.object({ vendor: z.string(), name: z.string(), code: z.string() }).strict())
      .describe('vendor parameters that replace a value cadran computes'),
  })
  .strict();

export const unknownDevice = z
  .object({
    mac,
    vendor: z.string().nullable(),
    model: z.string().nullable(),
    ip: z.string(),
    userAgent: z.string().nullable(),
    firstSeen: time,
    lastSeen: time,
    count: z.number().int(),
    assignedTenant: z.string().nullable().optional().describe('operators only: the tenant whose admins may register it'),
  })
  .strict();

export const importReport = z
  .object({
    dryRun: z.boolean(),
    mode: z.enum(['all-or-nothing', 'skip-invalid']),
    applied: z.boolean(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    rejected: z.number().int(),
    added: z
      .number()
      .int()
      .describe('personal contacts imported by an admin or an operator: lines now in the book, created or already there (which is not said: the book is private to its user); 0 otherwise'),
    lines: z.array(
      z
        .object({
          line: z.number().int(),
          mac: z.string().optional(),
          name: z.string().optional(),
          status: z.enum(['created', 'updated', 'unchanged', 'rejected', 'added']),
          reason: z.string().optional().describe('in the language of Accept-Language'),
          key: z.string().optional().describe('catalogue key of the reason (stable)'),
          params: messageParams.optional(),
          field: z.string().optional(),
        })
        .strict(),
    ),
    rejectedNotListed: z.number().int(),
    warnings: z.array(z.string()),
    warningKeys: z.array(message),
    message: z.string(),
    summary: message,
  })
  .strict();

/** An all-or-nothing import that wrote nothing: the error and the whole report. */
export const importRejected = importReport.extend(errorBody.shape).strict();

const resyncState = z.enum(RESYNC_STATES as [string, ...string[]]);

export const resyncSubmitted = z
  .object({ id: z.string(), jobId: z.string(), tenant: z.string(), queued: z.number().int(), failed: z.number().int(), total: z.number().int() })
  .strict();

export const resyncJobSummary = z
  .object({
    id: z.string(),
    jobId: z.string(),
    tenant: z.string(),
    scope: z.enum(['device', 'user', 'tenant', 'change']),
    scopeId: z.string(),
    label: z.string().describe('what the job covers, in the language of Accept-Language'),
    labelKey: z.string(),
    reboot: z.boolean(),
    requestedBy: z.string().nullable(),
    createdAt: time,
    cancelledAt: time.nullable(),
    state: z.enum(['running', 'finished', 'cancelled']),
    finished: z.boolean(),
    total: z.number().int(),
    counts: z.record(resyncState, z.number().int()),
  })
  .strict();

const resyncDevice = z
  .object({
    mac,
    state: resyncState,
    code: z.number().int().optional(),
    reason: z.string().optional().describe('in the language of Accept-Language'),
    reasonKey: z.string().optional(),
    reasonParams: messageParams.optional(),
    sipReason: z.string().optional().describe('the SIP reason phrase as received'),
    sentAt: time.optional(),
    fetchedAt: time.optional(),
    updatedAt: time,
  })
  .strict();

export const resyncJob = resyncJobSummary.extend({ targets: z.array(resyncDevice), devices: z.array(resyncDevice) }).strict();
export const resyncCancelled = resyncJob.extend({ cancelledTargets: z.number().int() }).strict();

const auditChange = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() }).strict();

export const auditEntry = z
  .object({
    id: z.number().int(),
    at: time,
    principal: z.string().describe('operator:<login>, admin:<number>, user:<number>, cli:<account>, device:<mac> (a phone reporting a change made on it)'),
    channel: z.enum(['api', 'web', 'cli', 'phone']),
    address: z.string().describe('client address, or cli'),
    action: z.string().describe('e.g. device.update, keys.replace, devices.import'),
    tenant: z.string().nullable(),
    user: z.string().nullable(),
    device: mac.nullable(),
    target: z.string().nullable().describe('contact id, resync job id, operator login…'),
    before: z.unknown().describe('the record before the write, secrets masked'),
    after: z.unknown().describe('the record after the write, secrets masked'),
    changes: z.array(auditChange),
    summary: z.unknown().describe('imports: counts and the lines written (bounded); resync: scope and counts'),
  })
  .strict();

export const auditPage = z.object({ entries: z.array(auditEntry), nextCursor: z.string().nullable() }).strict();

/** A user's line settings (GET/PUT /users/{n}/features). */
export const features = z
  .object({
    dnd: z.object({ enabled: z.boolean(), allowedCallers: z.array(z.string()).describe('priority callers: rung through Do Not Disturb') }).strict(),
    forwardAlways: z.object({ enabled: z.boolean(), target: z.string().nullable() }).strict(),
    rejectAnonymous: z.boolean(),
    blacklist: z.array(z.string()),
    version: z.number().int().describe('grows on every write; send it back to refuse a write based on an older read (409)'),
    updatedAt: time.nullable().describe('null: never saved (the defaults)'),
  })
  .strict();

/** An operator template override (the `/templates` routes). */
export const templateOverride = z
  .object({
    vendor: z.string(),
    name: z.string().describe('a shipped template of that vendor, e.g. mac.cfg.hbs'),
    source: z.string().describe('the handlebars text every node renders with'),
    updatedAt: time,
  })
  .strict();

export const openApiDocument = z.object({ openapi: z.string(), info: z.object({}).loose(), paths: z.object({}).loose() }).loose();

const diffStatus = z.enum(['same', 'changed', 'never-fetched', 'no-snapshot']).describe('same: the phone has these bytes; changed: it will get a new version (diff available); never-fetched; no-snapshot: it has another version that was not kept');

/** `GET /devices/{mac}/files`: the files this phone asks for, compared with what it last fetched. */
export const deviceFiles = z
  .object({
    mac,
    files: z.array(
      z
        .object({
          name: z.string(),
          contentType: z.string(),
          size: z.number().int().describe('bytes the phone gets'),
          etag: z.string(),
          sensitive: z.boolean().describe('carries a secret (masked in previews unless asked)'),
          private: z.boolean().describe('carries the user\'s personal contacts: its content and diff are shown to that user only (403 to anyone else)'),
          lastFetched: z.object({ at: time, etag: z.string(), snapshot: z.boolean().describe('the bytes it fetched are kept (diff possible)') }).strict().nullable(),
          status: diffStatus,
        })
        .strict(),
    ),
  })
  .strict();

const diffLine = z.object({ op: z.enum([' ', '-', '+']), text: z.string() }).strict();

/** `GET /devices/{mac}/files/{name}/diff`: what changed since the version the phone last fetched. */
export const deviceFileDiff = z
  .object({
    name: z.string(),
    status: diffStatus,
    masked: z.boolean().describe('secrets replaced by ******** on both sides'),
    current: z.object({ etag: z.string(), size: z.number().int() }).strict(),
    lastFetched: z.object({ at: time, etag: z.string(), size: z.number().int().describe('-1 when its bytes were not kept') }).strict().nullable(),
    unified: z.string().describe('`diff -u` text, last fetched → current (empty when nothing to show)'),
    hunks: z.array(z.object({ oldStart: z.number().int(), oldLines: z.number().int(), newStart: z.number().int(), newLines: z.number().int(), lines: z.array(diffLine) }).strict()),
    secretsOnly: z.boolean().describe('the bytes differ only in masked secrets'),
  })
  .strict();

// ---- firmware rollout and bulk edits (issue 16)
const firmwareTargetOut = z
  .object({ model: z.string(), url: z.string(), version: z.string(), group: z.string().optional() })
  .strict();
const standingCounts = {
  devices: z.number().int(),
  onTarget: z.number().int().describe('reported the target version'),
  behind: z.number().int().describe('reported another version than the target'),
  neverSeen: z.number().int().describe('have a target but never reported a version'),
  noTarget: z.number().int().describe('no target applies (they keep their software)'),
  untracked: z.number().int().describe('a URL without a version applies (older `firmware` map): cannot tell'),
};
export const firmwareInventory = z
  .object({
    tenant: z.string().nullable().describe('null: the whole installation (operators)'),
    configured: z.object({ installation: z.array(firmwareTargetOut), tenant: z.array(firmwareTargetOut) }).strict(),
    models: z.array(
      z
        .object({
          model: z.string(),
          vendor: z.string(),
          counts: z.object(standingCounts).strict(),
          targets: z.array(
            z
              .object({
                level: z.enum(['installation', 'tenant', 'device']),
                tenant: z.string().nullable(),
                group: z.string().nullable(),
                url: z.string(),
                version: z.string().nullable(),
                devices: z.number().int(),
              })
              .strict(),
          ),
          versions: z.array(z.object({ version: z.string().nullable(), count: z.number().int(), onTarget: z.number().int() }).strict()),
          groups: z.array(z.object({ group: z.string().nullable(), ...standingCounts }).strict()),
        })
        .strict(),
    ),
    totals: z.object(standingCounts).strict(),
  })
  .strict();
export const firmwareTargetsAnswer = z.object({ tenant: z.string(), targets: z.array(firmwareTargetOut) }).strict();
/** What every bulk edit answers around its rows (`devices` or `users`). */
const bulkAnswer = <K extends string, R extends z.ZodTypeAny>(rows: K, row: R) =>
  z
    .object({
      id: z.string().describe('names the audit entries of this edit (their targetId)'),
      dryRun: z.boolean(),
      matched: z.number().int(),
      changed: z.number().int(),
      resync: z
        .object({ devices: z.number().int(), reboot: z.boolean(), jobs: z.array(z.string()), error: z.string().nullable() })
        .strict()
        .nullable(),
    })
    .extend({ [rows]: z.array(row) } as { [k in K]: z.ZodArray<R> })
    .strict();
const fieldChanges = z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() }).strict());

export const bulkResult = bulkAnswer(
  'devices',
  z
    .object({
      mac,
      tenant: z.string(),
      model: z.string(),
      group: z.string().nullable(),
      version: z.string().describe('row version (the number of the phone\'s ETag "v<n>", as text) to send back in `expect`'),
      changes: fieldChanges,
    })
    .strict(),
);

export const userBulkResult = bulkAnswer(
  'users',
  z
    .object({
      number: z.string(),
      name: z.string(),
      tenant: z.string(),
      version: z.string().describe('row version (the number of the licence\'s ETag "v<n>", as text) to send back in `expect`'),
      phones: z.array(mac).describe('the phones of the licence: each took the template check'),
      changes: fieldChanges,
    })
    .strict(),
);
