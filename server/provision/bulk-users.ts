// Bulk edit of licences (issue 16): `POST /api/v1/users/bulk` and the cockpit's bulk page.
//
// Key templates are set on licences, not on phones, so this is the licence side of the bulk edit
// (provision/bulk.ts is the phone side). A request selects licences of ONE tenant:
//   - `numbers`: these licences;
//   - `model`, `group`, `configState`: the licences of the phones that filter selects (a phone
//     filter exactly as /devices/bulk reads it), e.g. "the licences of the T54W of group pilot";
//   - nothing else: every licence of the tenant.
// and applies, in order:
//   setKeyTemplate  the licence's key template (an id of the tenant's, or null: none)
//   resync          queue a resync of the phones of every selected licence after the commit
// `dryRun: true` answers per licence what would change (before → after, template id and name) and
// the phones concerned, writing nothing. Both the preview and the apply check the template against
// every phone of every licence concerned (model family, key capacity with the licence's own keys
// merged): one that does not fit is a 422 naming the phone, the model and the licence, nothing
// written. Applied: ONE transaction, every licence at the version read (another writer in between:
// 412, nothing written); `expect` ({number: version} from the preview) → 409 when one changed since.
// Audit: one `user.bulk` entry per changed licence, all with the edit's id as targetId.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { conflict, invalid, invalidAll, notFound, stale } from '../domain/errors.ts';
import { message } from '../domain/messages.ts';
import { formatMac } from '../domain/mac.ts';
import { parseInput } from '../domain/schemas.ts';
import { userNumber } from '../domain/numbers.ts';
import { requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { KeyTemplate, Store, User } from '../store/types.ts';
import { recordAudit } from '../service/audit.ts';
import { devicesOfUsers, inTransaction } from '../service/context.ts';
import { checkTemplateFits } from '../service/templates.ts';
import { MAX_BULK_DEVICES, phoneFilter, selectDevices, type BulkDeps, type FieldChange } from './bulk.ts';

const operation = z.discriminatedUnion('op', [
  z.object({ op: z.literal('setKeyTemplate'), template: z.number().int().positive().nullable() }).strict(),
  z.object({ op: z.literal('resync'), reboot: z.boolean().optional() }).strict(),
]);
export type UserBulkOperation = z.infer<typeof operation>;

export const userBulkRequest = z
  .object({
    filter: phoneFilter.extend({ numbers: z.array(userNumber).min(1).max(MAX_BULK_DEVICES).optional() }).strict(),
    operations: z.array(operation).min(1).max(10),
    dryRun: z.boolean().optional(),
    /** Number → version (the licence's row version, as text) as the preview showed them: one changed since → 409. */
    expect: z.record(z.string().max(40), z.string().max(40)).optional(),
  })
  .strict();

export interface UserBulkResult {
  id: string;
  dryRun: boolean;
  matched: number;
  changed: number;
  users: Array<{ number: string; name: string; tenant: string; version: string; phones: string[]; changes: FieldChange[] }>;
  resync: { macs: string[]; reboot: boolean } | null;
}

const templateRef = (t: KeyTemplate | undefined | null) => (t ? { id: t.id, name: t.name } : null);

async function selectUsers(deps: BulkDeps, store: Store, p: Principal, f: z.infer<typeof userBulkRequest>['filter']): Promise<{ tenantId: string; users: User[] }> {
  const tenantId = f.tenant ?? (p.kind === 'user' ? p.tenantId : undefined);
  if (!tenantId) throw invalid('filter.tenant', 'validation.required');
  // Rights first, as the phone side: another tenant's admin gets the same 404 whether it exists or not; users 403.
  requireTenantAdmin(p, tenantId);
  if (!(await store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  let users = await store.users.list(tenantId);
  if (f.model || f.group || f.configState) {
    const phones = await selectDevices(deps, store, p, { tenant: tenantId, ...(f.model ? { model: f.model } : {}), ...(f.group ? { group: f.group } : {}), ...(f.configState ? { configState: f.configState } : {}) });
    const owners = new Set(phones.map((d) => d.userNumber).filter((n): n is string => n !== null));
    users = users.filter((u) => owners.has(u.number));
  }
  if (f.numbers) {
    const wanted = new Set(f.numbers);
    users = users.filter((u) => wanted.has(u.number));
  }
  if (users.length > MAX_BULK_DEVICES) throw invalid('filter', 'validation.bulk_too_many', { count: users.length, max: MAX_BULK_DEVICES });
  return { tenantId, users };
}

export async function bulkEditUsers(deps: BulkDeps, p: Actor, input: unknown): Promise<UserBulkResult> {
  const req = parseInput(userBulkRequest, input);
  const id = randomUUID();
  const dryRun = req.dryRun === true;
  const resyncOp = req.operations.find((o): o is Extract<UserBulkOperation, { op: 'resync' }> => o.op === 'resync');
  const run = async (store: Store) => {
    const { tenantId, users } = await selectUsers(deps, store, p, req.filter);
    if (req.expect) {
      for (const [number, version] of Object.entries(req.expect)) {
        const u = users.find((x) => x.number === number) ?? (await store.users.get(number));
        if (!u || u.tenantId !== tenantId || String(u.version) !== version) throw conflict(`users.${number.slice(0, 40)}`, 'conflict.bulk_user_stale', { number: number.slice(0, 40) });
      }
    }
    // The template each licence ends with (the last setKeyTemplate wins), checked once per template.
    let next: number | null | undefined;
    for (const op of req.operations) if (op.op === 'setKeyTemplate') next = op.template;
    const template = next ? await store.keyTemplates.get(next) : null;
    if (next && (!template || template.tenantId !== tenantId)) {
      const i = req.operations.findIndex((o) => o.op === 'setKeyTemplate' && o.template === next);
      throw invalid(`operations.${i}.template`, 'validation.key_template_unknown', { id: next });
    }
    const planned: Array<{ user: User; changes: FieldChange[] }> = [];
    for (const u of users) {
      const changes: FieldChange[] = [];
      if (next !== undefined && next !== u.keyTemplate) {
        const before = u.keyTemplate === null ? null : await store.keyTemplates.get(u.keyTemplate);
        changes.push({ field: 'keyTemplate', before: templateRef(before), after: templateRef(template) });
      }
      planned.push({ user: u, changes });
    }
    // Every phone of every licence that gets a template must take it.
    if (template) {
      const problems = await checkTemplateFits(store, template, planned.filter((x) => x.changes.length > 0).map((x) => x.user.number));
      if (problems.length) throw invalidAll(problems.map((d) => ({ ...d, field: `users.${String(d.params?.user ?? '')}.keyTemplate` })));
    }
    const written: string[] = [];
    if (!dryRun) {
      for (const x of planned) {
        if (x.changes.length === 0) continue;
        const u = x.user;
        const { number: _n, tenantId: _t, createdAt: _c, updatedAt: _u, version: _v, keysVersion: _k, ...row } = u;
        if (!(await store.users.update(u.number, { ...row, keyTemplate: next ?? null }, u.version))) throw stale(message('stale.user', { number: u.number }));
        const before = Object.fromEntries(x.changes.map((c) => [c.field, c.before]));
        const after = Object.fromEntries(x.changes.map((c) => [c.field, c.after]));
        await recordAudit(store, p, { action: 'user.bulk', tenantId, userNumber: u.number, targetId: id, before, after });
        written.push(u.number);
      }
    }
    const shown = [];
    for (const x of planned) {
      const phones = (await store.devices.list({ userNumber: x.user.number })).map((d) => formatMac(d.mac));
      const version = dryRun || x.changes.length === 0 ? x.user.version : ((await store.users.get(x.user.number))?.version ?? x.user.version);
      shown.push({ number: x.user.number, name: x.user.name, tenant: tenantId, version: String(version), phones, changes: x.changes });
    }
    const macs = resyncOp ? await devicesOfUsers(store, users.map((u) => u.number)) : [];
    const result: UserBulkResult = {
      id,
      dryRun,
      matched: users.length,
      changed: planned.filter((x) => x.changes.length > 0).length,
      users: shown,
      resync: resyncOp ? { macs, reboot: resyncOp.reboot === true } : null,
    };
    return { result, written };
  };
  if (dryRun) return (await run(deps.store)).result;
  const { result, written } = await inTransaction(deps, ({ store }) => run(store));
  if (written.length) deps.changes.devicesChanged(await devicesOfUsers(deps.store, written), `bulk edit ${id}`);
  return result;
}
