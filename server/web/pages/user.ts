// A licence's own pages: the phone, the function keys, the personal contacts. A user reaches only
// their own; an admin of the tenant (and an operator) reaches anyone's — getUser() decides.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { formatMac } from '../../domain/mac.ts';
import { getUser, listUsers } from '../../service/users.ts';
import { keyLimit, keysVersion, listKeys, replaceKeys } from '../../service/keys.ts';
import { contactsDepositTarget, contactsOwner, createContact, deleteContact, getContact, listContacts, updateContact } from '../../service/contacts.ts';
import { getDevice } from '../../service/devices.ts';
import { getFeatures, saveFeatures } from '../../service/features.ts';
import { deviceChecks } from '../../provision/checks.ts';
import { configuredRoot } from '../../provision/provider.ts';
import { hasMessage } from '../i18n.ts';
import { findModel, keyCapacity } from '../../../vendors/index.ts';
import type { Principal } from '../../auth/principal.ts';
import { contactsCsv as exportContacts, parseExportFormat, type ExportFormat } from '../../imports/export.ts';
import type { Contact, FunctionKey, User } from '../../store/types.ts';
import { contactFields, field, tr, formErrors, orNull } from '../forms.ts';
import { translate } from '../i18n.ts';
import type { Renderer } from '../page.ts';
import type { WebPorts } from '../ports.ts';
import { contactsImportStep, deviceRows } from './shared.ts';
import { contactMatches, groupNumber, lostLeadingZero } from '../phone-numbers.ts';
import { invalidOnly, who } from './guards.ts';
import { formRefusal, formVersion, refusalStatus } from '../stale.ts';
import { templateOf } from '../../service/templates.ts';

/** The nav entry to highlight: "mine" when it is the visitor's own licence, "licences" otherwise. */
const activeFor = (p: Principal, u: User, mine: string) => (p.kind === 'user' && p.number === u.number ? mine : 'licences');

interface Slot {
  position: number;
  type: string;
  value: string;
  label: string;
}

/** How the key grid is drawn: the phone's own keys, then one panel per expansion module. */
async function keyPanels(app: AppContext, user: User, slots: Slot[]) {
  const devices = await app.store.devices.list({ userNumber: user.number });
  const { limit } = await keyLimit(app.store, user.number);
  const device = devices
    .map((d) => ({ d, found: findModel(d.model) }))
    .filter((x) => x.found)
    .sort((a, b) => keyCapacity(a.found!.model, a.d.expansionModules) - keyCapacity(b.found!.model, b.d.expansionModules))[0];
  const onPhone = device ? device.found!.model.lineKeys : slots.length;
  const perModule = device?.found!.model.expansion?.keysPerModule ?? 0;
  // The phone's own keys page by page, as its screen shows them (vendors' keysPerPage, sourced there).
  const perPage = device?.found!.model.keysPerPage ?? 0;
  const own = slots.slice(0, onPhone);
  const pageCount = perPage > 0 && own.length > perPage ? Math.ceil(own.length / perPage) : 1;
  const pages = Array.from({ length: pageCount }, (_, i) => ({
    number: i + 1, of: pageCount, paged: pageCount > 1, slots: pageCount > 1 ? own.slice(i * perPage, (i + 1) * perPage) : own,
  }));
  const single = (list: Slot[]) => [{ number: 1, of: 1, paged: false, slots: list }];
  const panels: Array<{ kind: string; index: number; pages: typeof pages }> = [{ kind: 'phone', index: 0, pages }];
  let rest = slots.slice(onPhone);
  for (let i = 1; rest.length && perModule; i++) {
    panels.push({ kind: 'module', index: i, pages: single(rest.slice(0, perModule)) });
    rest = rest.slice(perModule);
  }
  if (rest.length) panels.push({ kind: 'beyond', index: 0, pages: single(rest) });
  return { panels, model: device ? device.d.model : null, limit: device ? limit : null, hasPhone: !!device };
}

/** Slots 1..n: the phone's capacity, or room for what exists (+ a few) when there is no phone. */
async function slotCount(app: AppContext, user: User, keys: FunctionKey[]): Promise<number> {
  const { limit } = await keyLimit(app.store, user.number);
  const highest = Math.max(0, ...keys.map((k) => k.position));
  return Math.min(999, Math.max(limit === 999 ? Math.max(12, highest + 4) : limit, highest));
}

function slotsFromKeys(keys: FunctionKey[], n: number): Slot[] {
  const byPos = new Map(keys.map((k) => [k.position, k]));
  return Array.from({ length: n }, (_, i) => {
    const k = byPos.get(i + 1);
    return { position: i + 1, type: k?.type ?? '', value: k?.value ?? '', label: k?.label ?? '' };
  });
}

function slotsFromForm(req: Request, n: number): Slot[] {
  return Array.from({ length: n }, (_, i) => {
    const pos = i + 1;
    const type = field(req, `type_${pos}`);
    // A BLF key's colleague comes from the picker by name; the number field is the speed dial's
    // (a form posted by an older page may still carry the colleague's number there).
    const value = type === 'blf' ? field(req, `blf_${pos}`) || field(req, `value_${pos}`) : field(req, `value_${pos}`);
    return { position: pos, type, value, label: field(req, `label_${pos}`) };
  });
}

/**
 * The contacts as a CSV that French Excel opens in columns: `;` separator, UTF-8 BOM, headers in
 * the visitor's language (names the contacts import reads back), numbers grouped in pairs so a
 * spreadsheet keeps them as text with their leading zero.
 */
export function contactsCsv(contacts: Contact[], t: (key: string) => string = (k) => k): string {
  // Text cells that a spreadsheet would run as a formula are prefixed with a quote.
  const cell = (v: string | null, text: boolean) => {
    let s = v ?? '';
    if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = ['contacts.csv_name', 'contacts.csv_work', 'contacts.csv_mobile', 'contacts.csv_home', 'contacts.csv_group'].map((k) => cell(t(k), true)).join(';');
  // A grouped +33 number starts with "+": the quote keeps a spreadsheet from reading a formula.
  const num = (v: string | null) => cell(groupNumber(v), true);
  const rows = contacts.map((c) => [cell(c.name, true), num(c.work), num(c.mobile), num(c.home), cell(c.group, true)].join(';'));
  return `\ufeff${head}\r\n${rows.map((r) => `${r}\r\n`).join('')}`;
}

export function userPages(app: AppContext, render: Renderer, ports: WebPorts): Router {
  const r = Router();

  // ---- my phone
  r.get('/users/:number/phone', async (req, res) => {
    const p = who(req);
    const u = await getUser(app, p, req.params.number);
    const devices = await deviceRows(app, await app.store.devices.list({ userNumber: u.number }));
    render(req, res, 'phone', { titleKey: 'phone.title', active: activeFor(p, u, 'phone'), user: u, devices, own: p.kind === 'user' && p.number === u.number });
  });

  r.post('/users/:number/phone/:mac/resync', async (req, res) => {
    const p = who(req);
    const u = await getUser(app, p, req.params.number);
    const d = await getDevice(app, p, req.params.mac);
    if (d.userNumber !== u.number) throw notFound('not_found.device', { mac: formatMac(d.mac) });
    if (!ports.resyncDevice) return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'resync.unavailable' }, 503);
    const job = await ports.resyncDevice(p, d.mac);
    res.redirect(303, `/resync-jobs/${encodeURIComponent(job.id)}`);
  });

  // ---- my line: DND with priority callers, permanent forward, anonymous rejection, blacklist
  interface LineForm {
    version: string;
    forward: boolean;
    target: string;
    dnd: boolean;
    allowed: string;
    rejectAnonymous: boolean;
    blacklist: string;
    resync: boolean;
  }
  const numbersOf = (text: string): string[] => text.split(/[\r\n,;]+/).map((x) => x.trim()).filter(Boolean);
  const showLine = async (req: Request, res: Response, u: User, form: LineForm, errors?: ReturnType<typeof formErrors>, status = 200) => {
    const p = who(req);
    const lang = req.web!.lang;
    const phones = [];
    for (const d of await deviceRows(app, await app.store.devices.list({ userNumber: u.number }))) {
      const found = await deviceChecks(app, p, d.mac, configuredRoot(app.config));
      const limits = found.problems
        .filter((x) => x.field.startsWith('features.'))
        .map((x) => (x.code && hasMessage(`check.${x.code}`) ? translate(lang, `check.${x.code}`, x.params ?? {}) : x.message));
      const vendor = findModel(d.model)?.vendor;
      phones.push({ ...d, limits, reports: vendor?.features.reportsToggles ?? false });
    }
    render(req, res, 'line', {
      titleKey: 'line.title', active: activeFor(p, u, 'line'), user: u, form, phones, errors, fieldErrors: errors?.fields ?? {},
    }, status);
  };

  r.get('/users/:number/line', async (req, res) => {
    const p = who(req);
    const u = await getUser(app, p, req.params.number);
    const f = await getFeatures(app, p, u.number);
    await showLine(req, res, u, {
      version: String(f.version),
      forward: f.forwardAlways.enabled,
      target: f.forwardAlways.target ?? '',
      dnd: f.dnd.enabled,
      allowed: f.dnd.allowedCallers.join('\n'),
      rejectAnonymous: f.rejectAnonymous,
      blacklist: f.blacklist.join('\n'),
      resync: true,
    });
  });

  r.post('/users/:number/line', async (req, res) => {
    const p = who(req);
    const u = await getUser(app, p, req.params.number);
    const form: LineForm = {
      version: field(req, 'version'),
      forward: field(req, 'forward') === '1',
      target: field(req, 'target'),
      dnd: field(req, 'dnd') === '1',
      allowed: field(req, 'allowed'),
      rejectAnonymous: field(req, 'rejectAnonymous') === '1',
      blacklist: field(req, 'blacklist'),
      resync: field(req, 'resync') === '1',
    };
    const version = /^\d{1,9}$/.test(form.version) ? Number(form.version) : undefined;
    try {
      await saveFeatures(app, p, u.number, {
        ...(version !== undefined ? { version } : {}),
        dnd: { enabled: form.dnd, allowedCallers: numbersOf(form.allowed) },
        forwardAlways: { enabled: form.forward, target: orNull(form.target.trim()) },
        rejectAnonymous: form.rejectAnonymous,
        blacklist: numbersOf(form.blacklist),
      });
    } catch (caught) {
      const e = invalidOnly(caught);
      const errors = formErrors(e, tr(req), (f) => {
        if (f === 'forwardAlways.target') return 'target';
        if (f.startsWith('dnd.allowedCallers')) return 'allowed';
        if (f.startsWith('blacklist')) return 'blacklist';
        return null;
      });
      errors.general ??= translate(req.web!.lang, 'form.fix_errors');
      return showLine(req, res, u, form, errors, e.code === 'conflict' ? 409 : 422);
    }
    // Saved: resync the user's phones when asked; the job page shows the outcome, phone by phone.
    const phones = await app.store.devices.list({ userNumber: u.number });
    if (form.resync && phones.length > 0 && ports.resyncDevice) {
      let last: { id: string } | undefined;
      try {
        for (const d of phones) last = await ports.resyncDevice(p, d.mac);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const reason = translate(req.web!.lang, e.key, e.params);
        return showLine(req, res, u, { ...form, version: String((await getFeatures(app, p, u.number)).version) }, { fields: {}, general: translate(req.web!.lang, 'line.resync_failed', { reason }) }, 200);
      }
      return res.redirect(303, `/resync-jobs/${encodeURIComponent(last!.id)}`);
    }
    res.redirect(303, `/users/${u.number}/line?done=features_saved`);
  });

  // ---- function keys
  const showKeys = async (req: Request, res: Response, u: User, slots: Slot[], errors?: ReturnType<typeof formErrors>, status = 200) => {
    const p = who(req);
    const colleagues = (await listUsers(app, p, u.tenantId))
      .filter((c) => c.number !== u.number)
      .map((c) => ({ number: c.number, name: c.name }))
      .sort((a, b) => a.name.localeCompare(b.name, req.web!.lang, { sensitivity: 'base' }));
    const names = new Map(colleagues.map((c) => [c.number, c.name]));
    // Each BLF key shows its colleague's name; the picker lists colleagues by name.
    const shown = slots.map((x) => ({ ...x, blfName: x.type === 'blf' ? (names.get(x.value) ?? '') : '' }));
    // Keys that come from the licence's template: shown apart, marked when her own key at the same position wins.
    const template = await templateOf(app.store, u);
    const own = new Set((await app.store.keys.list(u.number)).map((k) => k.position));
    const templateKeys = template?.keys.map((k) => ({
      position: k.position, type: k.type, value: k.value ?? '', label: k.label ?? (k.type === 'blf' && k.value ? (names.get(k.value) ?? '') : ''), overridden: own.has(k.position),
    }));
    render(req, res, 'keys', {
      titleKey: 'keys.title', active: activeFor(p, u, 'keys'), user: u, colleagues, ...(await keyPanels(app, u, shown)), slotCount: slots.length, errors,
      ...(template ? { template: { name: template.name, keys: templateKeys } } : {}),
    }, status);
  };

  r.get('/users/:number/keys', async (req, res) => {
    const p = who(req);
    const u = await getUser(app, p, req.params.number);
    const keys = await listKeys(app, p, u.number);
    await showKeys(req, res, u, slotsFromKeys(keys, await slotCount(app, u, keys)));
  });

  r.post('/users/:number/keys', async (req, res) => {
    const p = who(req);
    const u = await getUser(app, p, req.params.number);
    const n = await slotCount(app, u, await listKeys(app, p, u.number));
    const slots = slotsFromForm(req, n);
    // Reorder: swap a key with its neighbour, then save like any other change.
    const move = /^(\d{1,3}):(up|down)$/.exec(field(req, 'move'));
    if (move) {
      const i = Number(move[1]) - 1;
      const j = move[2] === 'up' ? i - 1 : i + 1;
      if (i >= 0 && i < n && j >= 0 && j < n) {
        const a = slots[i]!;
        const b = slots[j]!;
        slots[i] = { ...b, position: a.position };
        slots[j] = { ...a, position: b.position };
      }
    }
    const used = slots.filter((s) => s.type !== '');
    const input = used.map((s) => ({ position: s.position, type: s.type, value: orNull(s.value), label: orNull(s.label) }));
    const version = field(req, 'version');
    try {
      await replaceKeys(app, p, u.number, input, formVersion(req));
      res.redirect(303, `/users/${u.number}/keys?done=keys_saved`);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'precondition_failed') return showKeys(req, res, u, slots, await formRefusal(app, req, e), 409);
      if (!(e instanceof DomainError) || e.code !== 'validation_failed') throw e;
      const errors = formErrors(e, tr(req), (f) => {
        const m = /^keys\.(\d+)\.(\w+)/.exec(f);
        const s = m ? used[Number(m[1])] : undefined;
        if (!s) return null;
        return m![2] === 'label' ? `label_${s.position}` : m![2] === 'value' ? (s.type === 'blf' ? `blf_${s.position}` : `value_${s.position}`) : `type_${s.position}`;
      });
      errors.general ??= translate(req.web!.lang, 'form.fix_errors');
      await showKeys(req, res, u, slots, errors, 422);
    }
  });

  // ---- contacts
  r.get('/users/:number/contacts', async (req, res) => {
    const p = who(req);
    const u = await contactsOwner(app, p, req.params.number);
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 80) : '';
    const all = await listContacts(app, p, u.number);
    const found = q ? all.filter((c) => contactMatches(c, q)) : all;
    found.sort((a, b) => a.name.localeCompare(b.name, req.web!.lang, { sensitivity: 'base' }));
    // Numbers grouped for reading; one that lost its leading zero in a spreadsheet is flagged.
    const shown = (v: string | null) => (v ? { text: groupNumber(v), lostZero: lostLeadingZero(v) } : null);
    const contacts = found.map((c) => ({ ...c, work: shown(c.work), mobile: shown(c.mobile), home: shown(c.home) }));
    const lostZero = contacts.filter((c) => c.work?.lostZero || c.mobile?.lostZero || c.home?.lostZero).length;
    render(req, res, 'contacts', { titleKey: 'contacts.title', active: activeFor(p, u, 'contacts'), user: u, contacts, q, total: all.length, lostZero });
  });

  r.get('/users/:number/contacts.csv', async (req, res) => {
    const p = who(req);
    const u = await contactsOwner(app, p, req.params.number);
    const contacts = await listContacts(app, p, u.number);
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="contacts-${u.number}.csv"`)
      .set('Cache-Control', 'no-store')
      .send(contactsCsv(contacts, (k) => translate(req.web!.lang, k)));
  });

  // An admin or an operator adds to a user's book without reading it (`deposit`): the pages say so,
  // and lead back to the licence, never to the list.
  const showContact = (req: Request, res: Response, u: User, form: Record<string, unknown>, id?: number, errors?: ReturnType<typeof formErrors>, status = 422, version?: number, deposit = false) => {
    const p = who(req);
    render(req, res, 'contact-edit', {
      titleKey: id ? 'contacts.edit' : deposit ? 'contacts.deposit_title' : 'contacts.new', active: activeFor(p, u, 'contacts'), user: u, form, id, version, errors, deposit,
    }, errors ? status : 200);
  };

  r.get('/users/:number/contacts/new', async (req, res) => {
    const { user: u, owner } = await contactsDepositTarget(app, who(req), req.params.number);
    showContact(req, res, u, {}, undefined, undefined, 200, undefined, !owner);
  });
  r.post('/users/:number/contacts/new', async (req, res) => {
    const p = who(req);
    const { user: u, owner } = await contactsDepositTarget(app, p, req.params.number);
    const form = contactFields(req);
    try {
      await createContact(app, p, u.number, form);
      if (!owner) return res.redirect(303, `/users/${u.number}/contacts/new?done=contact_added`);
      res.redirect(303, `/users/${u.number}/contacts?done=contact_saved`);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'validation_failed') throw e;
      showContact(req, res, u, form, undefined, formErrors(e, tr(req)), 422, undefined, !owner);
    }
  });
  r.get('/users/:number/contacts/:id/edit', async (req, res) => {
    const p = who(req);
    const u = await contactsOwner(app, p, req.params.number);
    const c = await getContact(app, p, u.number, req.params.id);
    showContact(req, res, u, { ...c }, c.id, undefined, 200, c.version);
  });
  r.post('/users/:number/contacts/:id/edit', async (req, res) => {
    const p = who(req);
    const u = await contactsOwner(app, p, req.params.number);
    const c = await getContact(app, p, u.number, req.params.id);
    const form = contactFields(req);
    try {
      await updateContact(app, p, u.number, String(c.id), form, formVersion(req));
      res.redirect(303, `/users/${u.number}/contacts?done=contact_saved`);
    } catch (e) {
      if (!(e instanceof DomainError) || (e.code !== 'validation_failed' && e.code !== 'precondition_failed')) throw e;
      showContact(req, res, u, form, c.id, await formRefusal(app, req, e), refusalStatus(e), c.version);
    }
  });
  r.post('/users/:number/contacts/:id/delete', async (req, res) => {
    const p = who(req);
    const u = await contactsOwner(app, p, req.params.number);
    await deleteContact(app, p, u.number, req.params.id, formVersion(req));
    res.redirect(303, `/users/${u.number}/contacts?done=contact_deleted`);
  });

  // ---- contacts import: upload → dry-run report → confirm
  r.get('/users/:number/contacts/import', async (req, res) => {
    const p = who(req);
    const { user: u, owner } = await contactsDepositTarget(app, p, req.params.number);
    render(req, res, 'contacts-import', {
      titleKey: owner ? 'import.contacts_title' : 'contacts.deposit_import_title', active: activeFor(p, u, 'contacts'), user: u, available: !!ports.importContacts, deposit: !owner,
    });
  });
  r.post('/users/:number/contacts/import', async (req, res) => {
    const p = who(req);
    const { user: u, owner } = await contactsDepositTarget(app, p, req.params.number);
    if (!ports.importContacts) return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'import.unavailable' }, 503);
    const base = { titleKey: owner ? 'import.contacts_title' : 'contacts.deposit_import_title', active: activeFor(p, u, 'contacts'), user: u, available: true, deposit: !owner };
    const run = ports.importContacts;
    await contactsImportStep(req, res, render, { view: 'contacts-import', base, listUrl: owner ? `/users/${u.number}/contacts` : null, run: (csv, dryRun) => run(p, u.number, csv, dryRun) });
  });
  return r;
}
