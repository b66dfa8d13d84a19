// `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the REST API, generated from the zod
// schemas the routes validate with (domain/schemas.ts, request side) and the answers' schemas
// (api/schemas.ts, response side) through zod's own JSON Schema output (draft 2020-12, which is
// OpenAPI 3.1's schema dialect). Every route the admin app mounts under /api/v1 is listed in
// OPERATIONS; test/openapi.test.ts enumerates the express routes and fails when one is missing,
// then checks real answers of every route against this document.
import { Router } from 'express';
import { z } from 'zod';
import {
  contactInput, deviceCreate, devicePatch, keyList, keyTemplateCreate, keyTemplatePatch, networkProfile, provisioningSecurity, tenantCreate, tenantPatch, userCreate, userPatch,
} from '../domain/schemas.ts';
import { unknownAssignment } from '../service/unknown.ts';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from '../domain/audit.ts';
import { featuresInput } from '../domain/features.ts';
import { templateOverrideInput } from '../provision/template-overrides.ts';
import { loginBody } from './routes/sessions.ts';
import { bulkRequest } from '../provision/bulk.ts';
import { userBulkRequest } from '../provision/bulk-users.ts';
import { firmwareTargetBody } from '../service/firmware.ts';
import * as out from './schemas.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A response: a component name (JSON), CSV text, or nothing (204). */
type Answer = { json: string; description: string } | { csv: string } | { text: string } | { empty: string } | { file: string; types: string[]; schema?: string };

interface Param {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

export interface Operation {
  method: Method;
  /** OpenAPI path template under /api/v1, e.g. `/devices/{mac}`. */
  path: string;
  summary: string;
  tag: string;
  /** Anyone may call it (no token, no cookie). */
  open?: boolean;
  query?: Param[];
  /** A component name of a JSON body, or a CSV upload. */
  body?: { json: string; required?: boolean } | { csv: true };
  responses: Record<number, Answer>;
}

// ---- components: request bodies (as the routes parse them) and answers
const contactPatch = z.object(contactInput.shape).partial().strict();
const resyncBody = z.object({ reboot: z.boolean().optional() }).strict();

const REQUESTS: Record<string, z.ZodType> = {
  Login: loginBody,
  TenantCreate: tenantCreate,
  TenantPatch: tenantPatch,
  UserCreate: userCreate,
  UserPatch: userPatch,
  DeviceCreate: deviceCreate,
  DevicePatch: devicePatch,
  KeyList: keyList,
  NetworkProfileInput: networkProfile,
  NetworkProfilePatch: z.record(z.string(), z.unknown()).describe('a JSON merge patch (RFC 7396) of NetworkProfileInput: the fields given replace the stored ones, null removes one, objects merge a level deeper'),
  ContactInput: contactInput,
  ContactPatch: contactPatch,
  ResyncOptions: resyncBody,
  FeaturesInput: featuresInput,
  TemplateOverrideInput: templateOverrideInput,
  ProvisioningSecurityInput: provisioningSecurity,
  UnknownAssignment: unknownAssignment,
  KeyTemplateCreate: keyTemplateCreate,
  KeyTemplatePatch: keyTemplatePatch,
  FirmwareTargetInput: firmwareTargetBody,
  BulkRequest: bulkRequest,
  UserBulkRequest: userBulkRequest,
};

const RESPONSES: Record<string, z.ZodType> = {
  Error: out.errorBody,
  ApiRoot: out.apiRoot,
  OpenApiDocument: out.openApiDocument,
  Principal: out.principalSchema,
  SessionCreated: out.sessionCreated,
  SessionCurrent: out.sessionCurrent,
  Credential: out.credential,
  CredentialList: z.array(out.credential),
  SessionsRevoked: out.sessionsRevoked,
  Tenant: out.tenant,
  TenantList: z.array(out.tenant),
  User: out.user,
  UserList: z.array(out.user),
  UserWithDevices: out.userWithDevices,
  Device: out.device,
  DeviceList: z.array(out.device),
  KeyListAnswer: z.array(out.key),
  NetworkProfile: out.network,
  DeviceNetwork: out.deviceNetwork,
  Contact: out.contact,
  ContactList: z.array(out.contact),
  ContactAdded: z.union([out.contact, out.contactDeposit]),
  DeviceChecks: out.deviceChecks,
  DeviceFiles: out.deviceFiles,
  DeviceFileDiff: out.deviceFileDiff,
  UnknownDeviceList: z.array(out.unknownDevice),
  UnknownDevice: out.unknownDevice,
  DeviceCredentials: out.deviceCredentials,
  ProvisioningSecurity: provisioningSecurity,
  ImportReport: out.importReport,
  ImportRejected: out.importRejected,
  ResyncSubmitted: out.resyncSubmitted,
  ResyncJob: out.resyncJob,
  ResyncJobList: z.array(out.resyncJobSummary),
  ResyncCancelled: out.resyncCancelled,
  AuditPage: out.auditPage,
  Features: out.features,
  TemplateOverride: out.templateOverride,
  TemplateOverrideList: z.array(out.templateOverride),
  SharedContact: out.sharedContact,
  SharedContactList: z.array(out.sharedContact),
  KeyTemplate: out.keyTemplate,
  KeyTemplateList: z.array(out.keyTemplate),
  EffectiveKeyList: z.array(out.effectiveKey),
  FirmwareInventory: out.firmwareInventory,
  FirmwareTargets: out.firmwareTargetsAnswer,
  BulkResult: out.bulkResult,
  UserBulkResult: out.userBulkResult,
};

const str = (extra: Record<string, unknown> = {}) => ({ type: 'string', ...extra });
const bool = { type: 'string', enum: ['true', 'false', '1', '0'] };
const PATH_PARAMS: Record<string, Param> = {
  tenant: { name: 'tenant', description: 'tenant id (slug)', schema: str({ pattern: '^[a-z0-9-]{2,40}$' }) },
  number: { name: 'number', description: 'the user\'s 10-digit number', schema: str({ pattern: '^\\d{10}$' }) },
  mac: { name: 'mac', description: 'MAC address in any usual spelling (80:5E:C0:D5:7D:72, 80-5e-c0-d5-7d-72, 805ec0d57d72)', schema: str() },
  id: { name: 'id', description: 'identifier', schema: str() },
  vendor: { name: 'vendor', description: 'vendor id (yealink, polycom, snom)', schema: str({ pattern: '^[a-z0-9-]{1,40}$' }) },
  name: { name: 'name', description: 'a file name: of a shipped template (mac.cfg.hbs, settings.xml.hbs…) under /templates, of a file this phone asks for under /devices/{mac}/files (listed there)', schema: str({ maxLength: 200 }) },
  model: { name: 'model', description: 'phone model (T54W, VVX450, D785…)', schema: str() },
};

const FORMAT: Param = { name: 'format', description: 'csv (`,`, UTF-8) or excel-fr (`;`, UTF-8 with BOM, for a French Excel)', schema: str({ enum: ['csv', 'excel-fr', 'excel'] }) };
const RESYNC_Q: Param = { name: 'reboot', description: 'reboot the phones instead of a configuration check', schema: bool };
const IMPORT_Q: Param[] = [
  { name: 'dryRun', description: 'report what would happen, write nothing', schema: bool },
  { name: 'mode', description: 'all-or-nothing (default) or skip-invalid', schema: str({ enum: ['all-or-nothing', 'skip-invalid'] }) },
];
const WRITE_Q: Param = { name: 'resync', description: 'resync the phones this write changed (jobs named in the Cadran-Resync-Jobs header)', schema: str({ enum: ['true'] }) };

/** Records answer with `ETag: "v<version>"`; a write naming it writes only over that version. */
const IF_MATCH = {
  name: 'If-Match', in: 'header', required: false,
  description: 'the ETag the record was read with ("v3"): when it changed since, 412 and nothing is written; without it the write merges onto the record as it is',
  schema: str(),
};
const SECRETS_Q: Param = { name: 'secrets', description: 'true: show passwords instead of ******** (operators and the tenant\'s admins; audited)', schema: bool };
const DIFF_FORMAT_Q: Param = { name: 'format', description: 'json (default) or unified (`diff -u` text)', schema: str({ enum: ['json', 'unified'] }) };

const ok = (json: string, description = 'OK'): Answer => ({ json, description });
const created = (json: string): Answer => ({ json, description: 'created' });

/** Every route under /api/v1. */
export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/', tag: 'meta', summary: 'API root', open: true, responses: { 200: ok('ApiRoot') } },
  { method: 'get', path: '/openapi.json', tag: 'meta', summary: 'this document (OpenAPI 3.1)', open: true, responses: { 200: ok('OpenApiDocument') } },

  { method: 'post', path: '/sessions', tag: 'sessions', summary: 'log in: a bearer token, and a session cookie for the web UI', open: true, body: { json: 'Login' }, responses: { 201: created('SessionCreated'), 401: ok('Error', 'wrong login or password') } },
  { method: 'get', path: '/sessions/current', tag: 'sessions', summary: 'who is logged in', responses: { 200: ok('SessionCurrent') } },
  { method: 'delete', path: '/sessions/current', tag: 'sessions', summary: 'log out: ends the session or token the request came with', responses: { 204: { empty: 'logged out' } } },
  { method: 'get', path: '/sessions', tag: 'sessions', summary: 'sessions and API tokens of a person (`?user=`, `?operator=`; yours by default; `?all=true` for operators; `?kind=`)', responses: { 200: ok('CredentialList') } },
  { method: 'delete', path: '/sessions', tag: 'sessions', summary: 'revoke every session and token of a person (yours: all but the one in use)', responses: { 200: ok('SessionsRevoked') } },
  { method: 'get', path: '/sessions/{id}', tag: 'sessions', summary: 'one session or API token', responses: { 200: ok('Credential') } },
  { method: 'delete', path: '/sessions/{id}', tag: 'sessions', summary: 'revoke one session or API token', responses: { 204: { empty: 'revoked' } } },

  { method: 'get', path: '/tenants', tag: 'tenants', summary: 'tenants the caller may see', responses: { 200: ok('TenantList') } },
  { method: 'post', path: '/tenants', tag: 'tenants', summary: 'create a tenant (operators)', body: { json: 'TenantCreate' }, responses: { 201: created('Tenant') } },
  { method: 'get', path: '/tenants/{tenant}', tag: 'tenants', summary: 'one tenant', responses: { 200: ok('Tenant') } },
  { method: 'patch', path: '/tenants/{tenant}', tag: 'tenants', summary: 'change a tenant (security: operators)', body: { json: 'TenantPatch' }, responses: { 200: ok('Tenant') } },
  { method: 'delete', path: '/tenants/{tenant}', tag: 'tenants', summary: 'delete a tenant and everything in it (operators)', responses: { 204: { empty: 'deleted' } } },
  { method: 'get', path: '/tenants/{tenant}/security', tag: 'tenants', summary: 'provisioning security of a tenant (operators)', responses: { 200: ok('ProvisioningSecurity') } },
  { method: 'put', path: '/tenants/{tenant}/security', tag: 'tenants', summary: 'replace the provisioning security of a tenant as a whole (operators)', body: { json: 'ProvisioningSecurityInput' }, responses: { 200: ok('ProvisioningSecurity') } },
  { method: 'post', path: '/tenants/{tenant}/security/default', tag: 'tenants', summary: 'apply the secure default (adopt before serve: per-device credentials, enrolment window) to an existing tenant (operators)', responses: { 200: ok('Tenant') } },
  { method: 'get', path: '/tenants/{tenant}/users', tag: 'users', summary: 'licences of a tenant', responses: { 200: ok('UserList') } },
  { method: 'post', path: '/tenants/{tenant}/users', tag: 'users', summary: 'create a licence', body: { json: 'UserCreate' }, responses: { 201: created('User') } },
  { method: 'get', path: '/tenants/{tenant}/network', tag: 'network', summary: 'network profile of a tenant', responses: { 200: ok('NetworkProfile') } },
  { method: 'put', path: '/tenants/{tenant}/network', tag: 'network', summary: 'replace the network profile of a tenant', body: { json: 'NetworkProfileInput' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'get', path: '/tenants/{tenant}/profile', tag: 'network', summary: 'phone profile of a tenant (the same as /network)', responses: { 200: ok('NetworkProfile') } },
  { method: 'put', path: '/tenants/{tenant}/profile', tag: 'network', summary: 'replace the phone profile of a tenant (the same as /network)', body: { json: 'NetworkProfileInput' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'patch', path: '/tenants/{tenant}/network', tag: 'network', summary: 'change some fields of the network profile of a tenant (JSON merge patch)', body: { json: 'NetworkProfilePatch' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'patch', path: '/tenants/{tenant}/profile', tag: 'network', summary: 'change some fields of the phone profile of a tenant (the same as /network)', body: { json: 'NetworkProfilePatch' }, responses: { 200: ok('NetworkProfile') } },

  { method: 'get', path: '/users/{number}', tag: 'users', summary: 'one licence, with its phones', responses: { 200: ok('UserWithDevices') } },
  { method: 'patch', path: '/users/{number}', tag: 'users', summary: 'change a licence (a user: own e-mail and password)', body: { json: 'UserPatch' }, responses: { 200: ok('User') } },
  { method: 'delete', path: '/users/{number}', tag: 'users', summary: 'delete a licence', responses: { 204: { empty: 'deleted' } } },
  { method: 'get', path: '/users/{number}/keys', tag: 'keys', summary: 'function keys, by position', responses: { 200: ok('KeyListAnswer') } },
  { method: 'put', path: '/users/{number}/keys', tag: 'keys', summary: 'replace the whole key list', body: { json: 'KeyList' }, responses: { 200: ok('KeyListAnswer') } },
  { method: 'get', path: '/users/{number}/features', tag: 'features', summary: 'line settings: Do Not Disturb with priority callers, permanent forward, anonymous-call rejection, blacklist (defaults, version 0, when never saved)', responses: { 200: ok('Features') } },
  { method: 'put', path: '/users/{number}/features', tag: 'features', summary: 'change line settings (absent parts kept; `version` refuses a write based on an older read); what a phone cannot carry is listed by GET /devices/{mac}/checks', body: { json: 'FeaturesInput' }, responses: { 200: ok('Features') } },
  { method: 'get', path: '/users/{number}/contacts', tag: 'contacts', summary: 'personal contacts (their user only: 403 for admins and operators, personal contacts are private)', responses: { 200: ok('ContactList') } },
  { method: 'post', path: '/users/{number}/contacts', tag: 'contacts', summary: 'add a personal contact: the user herself (answer: the Contact, with its ETag), an admin of her tenant or an operator (answer: only what was sent, no id — they add to a book they do not read); a colleague 403, another tenant 404', body: { json: 'ContactInput' }, responses: { 201: created('ContactAdded') } },
  { method: 'get', path: '/users/{number}/contacts/export', tag: 'export', summary: 'personal contacts as CSV in the contacts import\'s columns (only their user: personal contacts are private)', query: [FORMAT], responses: { 200: { csv: 'name,work,mobile,home,group' } } },
  { method: 'get', path: '/users/{number}/contacts/{id}', tag: 'contacts', summary: 'one contact (its user only)', responses: { 200: ok('Contact') } },
  { method: 'patch', path: '/users/{number}/contacts/{id}', tag: 'contacts', summary: 'change a contact (absent fields kept; its user only)', body: { json: 'ContactPatch' }, responses: { 200: ok('Contact') } },
  { method: 'put', path: '/users/{number}/contacts/{id}', tag: 'contacts', summary: 'change a contact (as PATCH)', body: { json: 'ContactPatch' }, responses: { 200: ok('Contact') } },
  { method: 'delete', path: '/users/{number}/contacts/{id}', tag: 'contacts', summary: 'delete a contact (its user only)', responses: { 204: { empty: 'deleted' } } },

  {
    method: 'get', path: '/devices', tag: 'devices', summary: 'phones the caller may see, with last seen and config state',
    query: [
      { name: 'tenant', description: 'one tenant', schema: str() },
      { name: 'user', description: 'phones of one licence', schema: str({ pattern: '^\\d{10}$' }) },
      { name: 'configState', description: 'pending, current or never-fetched', schema: str({ enum: ['pending', 'current', 'never-fetched'] }) },
      { name: 'firmware', description: 'exact firmware version reported by the phones', schema: str() },
      { name: 'model', description: 'provisioned model (T54W, VVX450, D785…)', schema: str() },
      { name: 'group', description: 'device group label (compared without case)', schema: str() },
      { name: 'notSeenSince', description: 'phones never seen, or last seen before this ISO time', schema: str() },
    ],
    responses: { 200: ok('DeviceList') },
  },
  { method: 'post', path: '/devices', tag: 'devices', summary: 'provision a phone', body: { json: 'DeviceCreate' }, responses: { 201: created('Device') } },
  {
    method: 'post', path: '/devices/bulk', tag: 'devices',
    summary: 'bulk edit: phones selected by filter (tenant, model, group, configState, macs) get the operations (setGroup, setProfileField, setFirmware, clearFirmware, resync); dryRun previews per phone, apply writes all or nothing (422 naming the phone and field; 409 when a phone of `expect` changed); one audit entry per changed phone',
    body: { json: 'BulkRequest' },
    responses: { 200: ok('BulkResult'), 409: ok('Error', 'a phone changed since the preview (expect)'), 422: ok('Error', 'a value or a phone refuses it; nothing written') },
  },
  {
    method: 'post', path: '/users/bulk', tag: 'users',
    summary: 'bulk edit of licences of one tenant: selected by number, or as the licences of the phones a phone filter selects (model, group, configState); operations setKeyTemplate (id or null) and resync; dryRun previews per licence (before → after, phones concerned); the template is checked against every phone concerned (422 naming the phone and model); apply writes all or nothing, one audit entry per changed licence (409 when a licence of `expect` changed)',
    body: { json: 'UserBulkRequest' },
    responses: { 200: ok('UserBulkResult'), 409: ok('Error', 'a licence changed since the preview (expect)'), 422: ok('Error', 'a value or a phone refuses it; nothing written') },
  },
  {
    method: 'get', path: '/firmware', tag: 'firmware',
    summary: 'firmware inventory per model: targets, versions the phones report (User-Agent) and counts on target / behind / never seen (tenant admins: their tenant; operators: one or all)',
    query: [{ name: 'tenant', description: 'tenant id (operators: absent = every tenant)', schema: str() }],
    responses: { 200: ok('FirmwareInventory') },
  },
  {
    method: 'put', path: '/tenants/{tenant}/firmware-targets/{model}', tag: 'firmware',
    summary: 'set the tenant\'s firmware target of a model, for every phone of it or (group) the phones of one group first',
    query: [WRITE_Q], body: { json: 'FirmwareTargetInput' }, responses: { 200: ok('FirmwareTargets') },
  },
  {
    method: 'delete', path: '/tenants/{tenant}/firmware-targets/{model}', tag: 'firmware',
    summary: 'remove the tenant\'s firmware target of a model (`?group=` for a group-scoped one)',
    query: [{ name: 'group', description: 'the group the target is scoped to', schema: str() }], responses: { 200: ok('FirmwareTargets') },
  },
  {
    method: 'get', path: '/devices/export', tag: 'export', summary: 'phones as CSV in the MAC import\'s columns (operators; a tenant admin: their parc)',
    query: [{ name: 'tenant', description: 'one tenant (a tenant admin: theirs, the default)', schema: str() }, FORMAT],
    responses: { 200: { csv: 'mac,vendor,model,tenant,user,label' } },
  },
  { method: 'post', path: '/devices/import', tag: 'import', summary: 'bulk MAC import (CSV body or multipart upload)', query: [...IMPORT_Q, { name: 'tenant', description: 'tenant of lines that name none', schema: str() }], body: { csv: true }, responses: { 200: ok('ImportReport', 'the report (CSV with Accept: text/csv)'), 422: ok('ImportRejected', 'all-or-nothing import with rejected lines: nothing written') } },
  { method: 'get', path: '/devices/{mac}', tag: 'devices', summary: 'one phone: last seen, firmware and model from the User-Agent, config state', responses: { 200: ok('Device') } },
  { method: 'patch', path: '/devices/{mac}', tag: 'devices', summary: 'change a phone (another tenant: operators)', body: { json: 'DevicePatch' }, responses: { 200: ok('Device') } },
  { method: 'delete', path: '/devices/{mac}', tag: 'devices', summary: 'remove a phone', responses: { 204: { empty: 'deleted' } } },
  { method: 'post', path: '/devices/{mac}/credentials', tag: 'devices', summary: 'new provisioning credentials (and a new enrolment window when the tenant adopts before serving); the password is in this answer only', responses: { 200: ok('DeviceCredentials') } },
  { method: 'get', path: '/devices/{mac}/network', tag: 'network', summary: 'device overrides and the effective profile', responses: { 200: ok('DeviceNetwork') } },
  { method: 'put', path: '/devices/{mac}/network', tag: 'network', summary: 'replace the device overrides', body: { json: 'NetworkProfileInput' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'get', path: '/devices/{mac}/profile', tag: 'network', summary: 'device overrides and the effective profile (the same as /network)', responses: { 200: ok('DeviceNetwork') } },
  { method: 'put', path: '/devices/{mac}/profile', tag: 'network', summary: 'replace the device overrides (the same as /network)', body: { json: 'NetworkProfileInput' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'patch', path: '/devices/{mac}/network', tag: 'network', summary: 'change some of the device overrides (JSON merge patch)', body: { json: 'NetworkProfilePatch' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'patch', path: '/devices/{mac}/profile', tag: 'network', summary: 'change some of the device overrides (the same as /network)', body: { json: 'NetworkProfilePatch' }, responses: { 200: ok('NetworkProfile') } },
  { method: 'get', path: '/devices/{mac}/checks', tag: 'devices', summary: 'stored settings this phone\'s files will not carry, and vendor parameters that replace computed values', responses: { 200: ok('DeviceChecks') } },
  { method: 'get', path: '/devices/{mac}/files', tag: 'preview', summary: 'the files this phone asks for, each compared with the version it last fetched', responses: { 200: ok('DeviceFiles') } },
  {
    method: 'get', path: '/devices/{mac}/files/{name}', tag: 'preview',
    summary: 'the exact bytes this phone will get for this file, secrets masked unless `secrets=true` (operators and the tenant\'s admins; audited); `diff=last-fetched` answers as /diff',
    query: [SECRETS_Q, { name: 'diff', description: 'last-fetched: the difference from the version the phone last fetched (as /diff)', schema: str({ enum: ['last-fetched'] }) }, DIFF_FORMAT_Q],
    responses: { 200: { file: 'the file as the phone gets it (its own content type); with diff=last-fetched, the DeviceFileDiff JSON or the unified text', types: ['text/plain', 'application/xml', 'application/json', 'text/x-diff'], schema: 'DeviceFileDiff' } },
  },
  {
    method: 'get', path: '/devices/{mac}/files/{name}/diff', tag: 'preview', summary: 'the difference between this file now and the version the phone last fetched (`format=unified`: `diff -u` text)',
    query: [SECRETS_Q, DIFF_FORMAT_Q],
    responses: { 200: { file: 'DeviceFileDiff JSON, or the unified text with format=unified', types: ['application/json', 'text/x-diff'], schema: 'DeviceFileDiff' } },
  },
  { method: 'get', path: '/unknown-devices', tag: 'devices', summary: 'phones seen that nobody provisioned (operators: all; a tenant admin: those assigned to their tenant)', responses: { 200: ok('UnknownDeviceList') } },
  { method: 'patch', path: '/unknown-devices/{mac}', tag: 'devices', summary: 'let a tenant\'s admins register this phone (`{"tenant": null}` takes it back; operators)', body: { json: 'UnknownAssignment' }, responses: { 200: ok('UnknownDevice') } },

  { method: 'post', path: '/users/{number}/contacts/import', tag: 'import', summary: 'personal contacts import (CSV body or multipart upload). The user herself: created / updated / unchanged per line. An admin of her tenant or an operator adds without reading the book: each valid line `added` (created, or already there and left as it is: not said), nothing existing updated, the audit entry lists no line', query: IMPORT_Q, body: { csv: true }, responses: { 200: ok('ImportReport'), 422: ok('ImportRejected', 'all-or-nothing import with rejected lines: nothing written') } },

  { method: 'post', path: '/devices/{mac}/resync', tag: 'resync', summary: 'resync one phone', query: [RESYNC_Q], body: { json: 'ResyncOptions', required: false }, responses: { 202: ok('ResyncSubmitted', 'queued') } },
  { method: 'post', path: '/users/{number}/resync', tag: 'resync', summary: 'resync the phones of a licence', query: [RESYNC_Q], body: { json: 'ResyncOptions', required: false }, responses: { 202: ok('ResyncSubmitted', 'queued') } },
  { method: 'post', path: '/tenants/{tenant}/resync', tag: 'resync', summary: 'resync every phone of a tenant', query: [RESYNC_Q], body: { json: 'ResyncOptions', required: false }, responses: { 202: ok('ResyncSubmitted', 'queued') } },
  { method: 'get', path: '/resync-jobs', tag: 'resync', summary: 'resync jobs, newest first', query: [{ name: 'tenant', description: 'one tenant', schema: str() }, { name: 'limit', description: '1–1000 (default 100)', schema: str({ pattern: '^\\d+$' }) }], responses: { 200: ok('ResyncJobList') } },
  { method: 'get', path: '/resync-jobs/{id}', tag: 'resync', summary: 'a job and each phone\'s outcome', responses: { 200: ok('ResyncJob') } },
  { method: 'delete', path: '/resync-jobs/{id}', tag: 'resync', summary: 'cancel what is still queued', responses: { 200: ok('ResyncCancelled') } },
  { method: 'post', path: '/resync-jobs/{id}/cancel', tag: 'resync', summary: 'cancel what is still queued', responses: { 200: ok('ResyncCancelled') } },

  { method: 'get', path: '/templates', tag: 'templates', summary: 'template overrides every node renders with (operators)', responses: { 200: ok('TemplateOverrideList') } },
  { method: 'get', path: '/templates/{vendor}/{name}', tag: 'templates', summary: 'one template override (operators)', responses: { 200: ok('TemplateOverride') } },
  { method: 'put', path: '/templates/{vendor}/{name}', tag: 'templates', summary: 'override a shipped template (operators; checked to parse; every node renders with it within seconds)', body: { json: 'TemplateOverrideInput' }, responses: { 200: ok('TemplateOverride') } },
  { method: 'delete', path: '/templates/{vendor}/{name}', tag: 'templates', summary: 'back to the shipped template (operators)', responses: { 204: { empty: 'removed' } } },

  { method: 'get', path: '/tenants/{tenant}/contacts', tag: 'directory', summary: 'shared contacts of the company directory (members of the tenant)', responses: { 200: ok('SharedContactList') } },
  { method: 'post', path: '/tenants/{tenant}/contacts', tag: 'directory', summary: 'add a shared contact (tenant admins, operators)', body: { json: 'ContactInput' }, responses: { 201: created('SharedContact') } },
  { method: 'get', path: '/tenants/{tenant}/contacts/export', tag: 'export', summary: 'shared contacts as CSV in the contacts import\'s columns', query: [FORMAT], responses: { 200: { csv: 'name,work,mobile,home,group' } } },
  { method: 'post', path: '/tenants/{tenant}/contacts/import', tag: 'import', summary: 'shared contacts import (CSV body or multipart upload; tenant admins, operators)', query: IMPORT_Q, body: { csv: true }, responses: { 200: ok('ImportReport'), 422: ok('ImportRejected', 'all-or-nothing import with rejected lines: nothing written') } },
  { method: 'get', path: '/tenants/{tenant}/contacts/{id}', tag: 'directory', summary: 'one shared contact', responses: { 200: ok('SharedContact') } },
  { method: 'patch', path: '/tenants/{tenant}/contacts/{id}', tag: 'directory', summary: 'change a shared contact (absent fields kept)', body: { json: 'ContactPatch' }, responses: { 200: ok('SharedContact') } },
  { method: 'put', path: '/tenants/{tenant}/contacts/{id}', tag: 'directory', summary: 'change a shared contact (as PATCH)', body: { json: 'ContactPatch' }, responses: { 200: ok('SharedContact') } },
  { method: 'delete', path: '/tenants/{tenant}/contacts/{id}', tag: 'directory', summary: 'delete a shared contact', responses: { 204: { empty: 'deleted' } } },
  { method: 'get', path: '/tenants/{tenant}/key-templates', tag: 'keys', summary: 'key templates of a tenant, with the licences using each', responses: { 200: ok('KeyTemplateList') } },
  { method: 'post', path: '/tenants/{tenant}/key-templates', tag: 'keys', summary: 'create a key template (tenant admins, operators)', body: { json: 'KeyTemplateCreate' }, responses: { 201: created('KeyTemplate') } },
  { method: 'get', path: '/tenants/{tenant}/key-templates/{id}', tag: 'keys', summary: 'one key template (ETag: its version)', responses: { 200: ok('KeyTemplate') } },
  { method: 'patch', path: '/tenants/{tenant}/key-templates/{id}', tag: 'keys', summary: 'change a key template (If-Match with its ETag: 412 when changed meanwhile; or `version` in the body, the one it was read at: 409); checked against every phone using it (422 naming the phone)', body: { json: 'KeyTemplatePatch' }, responses: { 200: ok('KeyTemplate') } },
  { method: 'put', path: '/tenants/{tenant}/key-templates/{id}', tag: 'keys', summary: 'change a key template (as PATCH)', body: { json: 'KeyTemplatePatch' }, responses: { 200: ok('KeyTemplate') } },
  { method: 'delete', path: '/tenants/{tenant}/key-templates/{id}', tag: 'keys', summary: 'delete a key template (its licences keep their own keys only); `?version=` to refuse a stale delete', query: [{ name: 'version', description: 'the version it was read at (409 when changed meanwhile)', schema: str({ pattern: '^\\d+$' }) }], responses: { 204: { empty: 'deleted' } } },
  { method: 'get', path: '/users/{number}/effective-keys', tag: 'keys', summary: 'the keys the licence\'s phones get: its template\'s, its own winning by position, each with its source', responses: { 200: ok('EffectiveKeyList') } },
  {
    method: 'get', path: '/audit', tag: 'audit', summary: 'who changed what, when and from where (operators; a tenant admin: their parc), newest first; the contents of personal contacts (contact.*, contacts.import) are masked for every reader',
    query: [
      { name: 'tenant', description: 'entries of one tenant', schema: str() },
      { name: 'user', description: 'entries about one licence', schema: str({ pattern: '^\\d{10}$' }) },
      { name: 'device', description: 'entries about one phone (any MAC spelling)', schema: str() },
      { name: 'action', description: 'an action (device.update) or a prefix ending in a dot (device.)', schema: str() },
      { name: 'since', description: 'from this ISO date or time (inclusive)', schema: str() },
      { name: 'until', description: 'up to this ISO date (its whole day) or time (inclusive)', schema: str() },
      { name: 'limit', description: `entries per page, 1–${AUDIT_PAGE_MAX} (default ${AUDIT_PAGE_DEFAULT})`, schema: str({ pattern: '^\\d+$' }) },
      { name: 'cursor', description: 'nextCursor of the previous page', schema: str({ pattern: '^\\d+$' }) },
    ],
    responses: { 200: ok('AuditPage') },
  },
];

/** Components as JSON Schema (draft 2020-12), with references between them. */
function components(defs: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(defs)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
  const outOf: Record<string, unknown> = {};
  for (const [id, s] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
    outOf[id] = rest;
  }
  return outOf;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function operationObject(op: Operation): Record<string, unknown> {
  const params: Array<Record<string, unknown>> = [];
  for (const m of op.path.matchAll(/\{(\w+)\}/g)) {
    const p = PATH_PARAMS[m[1]!] ?? { name: m[1]!, description: m[1]!, schema: str() };
    params.push({ name: p.name, in: 'path', required: true, description: p.description, schema: p.schema });
  }
  const write = op.method !== 'get' && op.method !== 'delete';
  for (const q of [...(op.query ?? []), ...(write && !op.path.endsWith('/resync') ? [WRITE_Q] : [])]) {
    params.push({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema });
  }
  if (!op.open && op.method !== 'get') params.push(IF_MATCH);
  const responses: Record<string, unknown> = {};
  for (const [status, a] of Object.entries(op.responses)) {
    if ('file' in a) responses[status] = { description: a.file, content: Object.fromEntries(a.types.map((t) => [t, { schema: t === 'application/json' && a.schema ? ref(a.schema) : { type: 'string' } }])) };
    else if ('json' in a) responses[status] = { description: a.description, content: { 'application/json': { schema: ref(a.json) } } };
    else if ('csv' in a) responses[status] = { description: `CSV, header \`${a.csv}\``, content: { 'text/csv': { schema: { type: 'string' } } } };
    else if ('text' in a) responses[status] = { description: a.text, content: { 'text/plain': { schema: { type: 'string' } } } };
    else responses[status] = { description: a.empty };
  }
  const errors: Record<string, string | undefined> = {
    400: 'malformed request (not JSON, bad parameter)',
    ...(op.open ? {} : { 401: 'no valid token or session', 403: 'not allowed (or missing CSRF token with a session cookie)' }),
    404: 'not found (also what another tenant is told)',
    ...(write || op.method === 'delete' ? { 409: 'conflict (duplicate, owned elsewhere, changed meanwhile)' } : {}),
    ...(!op.open && op.method !== 'get' ? { 412: 'If-Match names another version than the record\'s: nothing written (the `stale.*` message says what changed; read it again)' } : {}),
    422: 'a field or parameter breaks a rule (details name each)',
    429: 'too many attempts',
    500: 'internal error (details in the server log)',
    503: 'the database is busy: try again',
  };
  for (const [status, description] of Object.entries(errors)) if (description) responses[status] ??= errorAnswer(description);
  if (op.body && 'csv' in op.body) responses['413'] = errorAnswer('the upload is larger than the limit');
  const o: Record<string, unknown> = {
    operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: op.summary,
    tags: [op.tag],
    parameters: params,
    responses,
  };
  if (op.open) o.security = [];
  if (op.body) {
    o.requestBody =
      'csv' in op.body
        ? {
            required: true,
            content: {
              'text/csv': { schema: { type: 'string' } },
              'multipart/form-data': {
                schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'text/csv' }, dryRun: { type: 'string' }, mode: { type: 'string' } }, required: ['file'] },
              },
            },
          }
        : { required: op.body.required ?? true, content: { 'application/json': { schema: ref(op.body.json) } } };
  }
  return o;
}

/** The whole document (built once per process: it depends on nothing but the code). */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'cadran REST API',
      version: 'v1',
      description:
        'Desk-phone provisioning server. JSON in and out; errors are `{"error": {"code", "message", "details"}}`. ' +
        'Authenticate with `Authorization: Bearer <token>` (POST /sessions, `cadran operator create`) or the session cookie (then writes need `X-CSRF-Token`).',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }, { session: [] }],
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...components(REQUESTS, 'input'), ...components(RESPONSES, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token' },
        session: { type: 'apiKey', in: 'cookie', name: 'cadran_session', description: 'the web session; writes also need the X-CSRF-Token header' },
      },
    },
  };
}

export function openApiRouter(): Router {
  const r = Router();
  let doc: string | undefined;
  r.get('/openapi.json', (_req, res) => {
    doc ??= JSON.stringify(buildOpenApi());
    res.type('application/json').set('Cache-Control', 'public, max-age=300').send(doc);
  });
  return r;
}
