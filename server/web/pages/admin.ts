// Tenant admin pages (operators reach them too): licences, phones, network profile, per-device
// overrides, resync with live progress. Access is checked by the services (requireTenantAdmin).
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError } from '../../domain/errors.ts';
import { requireTenantAdmin, type Actor, type Principal } from '../../auth/principal.ts';
import { getTenant, updateTenant } from '../../service/tenants.ts';
import { listUsers, updateUser } from '../../service/users.ts';
import { listTemplates } from '../../service/templates.ts';
import { getDevice, listDevices, updateDevice } from '../../service/devices.ts';
import { getDeviceNetwork, getTenantNetwork, getTenantNetworkEntry, setDeviceNetwork, setTenantNetwork } from '../../service/network.ts';
import type { Tenant, User } from '../../store/types.ts';
import { deviceChecks } from '../../provision/checks.ts';
import { configuredRoot } from '../../provision/provider.ts';
import { field, numberOrNull, orNull, type FormErrors } from '../forms.ts';
import { hasMessage, translate } from '../i18n.ts';
import type { Renderer } from '../page.ts';
import type { WebPorts } from '../ports.ts';
import { allModels, networkField, profileForm, profileInput, timezones } from '../network-form.ts';
import { RECENT_MS, deviceRow, deviceRows } from './shared.ts';
import { listFleet } from '../../provision/fleet.ts';
import { formatMac } from '../../domain/mac.ts';
import { findModel } from '../../../vendors/index.ts';
import { who, adminTenant, invalidOnly, licenceOf as licenceOfPage } from './guards.ts';
import { formRefusal, formVersion, refusalStatus } from '../stale.ts';
import { diffDeviceFile, listDeviceFiles, previewDeviceFile } from '../../provision/preview.ts';

/** Rows of a list shown in full on the health page; beyond, a count says how many more. */
const HEALTH_ROWS = 200;

export function adminPages(app: AppContext, render: Renderer, ports: WebPorts): Router {
  const r = Router();
  const base = (p: Principal, t: Tenant, tab: string) => ({
    tenant: t, tab, isOperator: p.kind === 'operator', active: p.kind === 'operator' ? 'tenants' : tab,
  });

  // ---- licences
  r.get('/tenants/:tenant/users', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const devices = await deviceRows(app, await app.store.devices.list({ tenantId: t.id }));
    const users = (await listUsers(app, p, t.id)).map((u) => ({ ...u, devices: devices.filter((d) => d.userNumber === u.number) }));
    render(req, res, 'licences', { titleKey: 'licences.title', ...base(p, t, 'licences'), users });
  });

  const showLicence = async (req: Request, res: Response, t: Tenant, u: User, form: Record<string, unknown>, errors?: FormErrors, status = 200) => {
    const p = who(req);
    const templates = (await listTemplates(app, p, t.id)).map((k) => ({ id: k.id, name: k.name, selected: String(k.id) === String(form.keyTemplate ?? '') }));
    render(req, res, 'licence', { titleKey: 'licence.title', ...base(p, t, 'licences'), user: u, form, templates, errors, self: p.kind === 'user' && p.number === u.number }, status);
  };
  const licenceForm = (u: User) => ({ name: u.name, email: u.email ?? '', role: u.role, keyTemplate: u.keyTemplate ?? '', directoryHidden: u.directoryHidden });
  // Her own licence: a new e-mail or password needs her current one (issue 12), checked like a login.
  const currentPasswordOf = (req: Request) => {
    const v = field(req, 'currentPassword');
    return v ? { currentPassword: v.slice(0, 500) } : {};
  };
  const actor = (req: Request) => ({
    ...(req.web!.credential ? { credentialId: req.web!.credential.id } : {}),
    checkPassword: (login: string, pw: string) => app.auth.checkPassword(login, pw, req.ip ?? 'unknown'),
  });
  const licenceOf = (req: Request) => licenceOfPage(app, req);
  r.get('/tenants/:tenant/users/:number', async (req, res) => {
    const { t, u } = await licenceOf(req);
    await showLicence(req, res, t, u, licenceForm(u));
  });
  r.post('/tenants/:tenant/users/:number', async (req, res) => {
    const { p, t, u } = await licenceOf(req);
    const form = { name: field(req, 'name'), email: orNull(field(req, 'email')), role: field(req, 'role') };
    // The licence's key template and directory setting: its tenant admin's (not on her own form).
    const settings = p.kind === 'user' && p.number === u.number && p.role !== 'admin'
      ? {}
      : { keyTemplate: field(req, 'keyTemplate') === '' ? null : Number(field(req, 'keyTemplate')), directoryHidden: field(req, 'directoryHidden') === 'on' };
    try {
      await updateUser(app, p, u.number, { ...form, ...settings, ...currentPasswordOf(req) }, { ...actor(req), ...formVersion(req) });
      res.redirect(303, `/tenants/${t.id}/users/${u.number}?done=licence_saved`);
    } catch (e) {
      await showLicence(req, res, t, u, { ...form, ...settings, keyTemplate: 'keyTemplate' in settings ? (settings.keyTemplate ?? '') : '' }, await formRefusal(app, req, e), refusalStatus(e));
    }
  });
  r.post('/tenants/:tenant/users/:number/password', async (req, res) => {
    const { p, t, u } = await licenceOf(req);
    const password = typeof req.body?.password === 'string' ? (req.body.password as string) : '';
    const form = licenceForm(u);
    if (!password) {
      return showLicence(req, res, t, u, form, { fields: { password: translate(req.web!.lang, 'licence.password_required') } }, 422);
    }
    try {
      // role restated: userPatch's role default would otherwise demote an admin (see report).
      await updateUser(app, p, u.number, { password, role: u.role, ...currentPasswordOf(req) }, actor(req));
      res.redirect(303, `/tenants/${t.id}/users/${u.number}?done=password_changed`);
    } catch (e) {
      await showLicence(req, res, t, u, form, await formRefusal(app, req, e, () => 'password'), refusalStatus(e));
    }
  });

  // ---- phones of the parc
  r.get('/tenants/:tenant/devices', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const devices = await deviceRows(app, await listDevices(app, p, { tenantId: t.id }));
    render(req, res, 'devices', { titleKey: 'devices.title', ...base(p, t, 'devices'), devices, canResync: !!ports.resyncTenant });
  });

  // ---- parc health: who has not taken a change, who went silent, which firmware runs where
  r.get('/tenants/:tenant/health', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const fleet = await listFleet(app, p, { tenantId: t.id });
    const names = new Map((await listUsers(app, p, t.id)).map((u) => [u.number, u.name]));
    const now = Date.now();
    const row = (f: (typeof fleet)[number]) => ({
      mac: f.device.mac,
      macText: formatMac(f.device.mac),
      label: f.device.label,
      vendor: findModel(f.device.model)?.vendor.displayName ?? f.device.vendor,
      model: f.device.model,
      userNumber: f.device.userNumber,
      userName: f.device.userNumber ? (names.get(f.device.userNumber) ?? null) : null,
      status: !f.seen ? 'never' : now - Date.parse(f.seen.at) < RECENT_MS ? 'ok' : 'stale',
      seen: f.seen ? { at: f.seen.at, ip: f.seen.ip, firmware: f.seen.firmware } : null,
      pendingFiles: f.config.pendingFiles,
    });
    const rows = fleet.map(row);
    const pending = rows.filter((_r, i) => fleet[i]!.config.configState === 'pending');
    // Silent first by the oldest sighting, then the never seen.
    const silent = rows
      .filter((r) => r.status !== 'ok')
      .sort((a, b) => (a.seen && b.seen ? a.seen.at.localeCompare(b.seen.at) : a.seen ? -1 : b.seen ? 1 : a.mac.localeCompare(b.mac)));
    // Firmware versions per provisioned model, most used first; phones that never said theirs apart.
    const byModel = new Map<string, { vendor: string; model: string; versions: Map<string | null, number> }>();
    for (const r of rows) {
      const m = byModel.get(r.model) ?? { vendor: r.vendor, model: r.model, versions: new Map() };
      byModel.set(r.model, m);
      const v = r.seen?.firmware ?? null;
      m.versions.set(v, (m.versions.get(v) ?? 0) + 1);
    }
    const firmware = [...byModel.values()]
      .sort((a, b) => a.model.localeCompare(b.model))
      .flatMap((m) =>
        [...m.versions.entries()]
          .sort((a, b) => (a[0] === null ? 1 : b[0] === null ? -1 : b[1] - a[1] || a[0].localeCompare(b[0])))
          .map(([version, count], i) => ({ vendor: m.vendor, model: m.model, first: i === 0, version, count })),
      );
    const count = (state: string) => fleet.filter((f) => f.config.configState === state).length;
    render(req, res, 'health', {
      titleKey: 'health.title',
      ...base(p, t, 'health'),
      stats: {
        total: rows.length,
        ok: rows.filter((r) => r.status === 'ok').length,
        stale: rows.filter((r) => r.status === 'stale').length,
        never: rows.filter((r) => r.status === 'never').length,
        pending: pending.length,
        current: count('current'),
        neverFetched: count('never-fetched'),
      },
      pending: pending.slice(0, HEALTH_ROWS),
      pendingMore: Math.max(0, pending.length - HEALTH_ROWS),
      silent: silent.slice(0, HEALTH_ROWS),
      silentMore: Math.max(0, silent.length - HEALTH_ROWS),
      firmware,
      canResync: !!ports.resyncTenant,
    });
  });

  const deviceOf = async (req: Request) => {
    const p = who(req);
    const d = await getDevice(app, p, req.params.mac as string);
    const t = await adminTenant(app, p, d.tenantId);
    return { p, d, t };
  };
  const showDevice = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const { p, d, t } = await deviceOf(req);
    const net = await getDeviceNetwork(app, p, d.mac);
    // What the phone will not take as set, each entry translated from its stable code.
    const lang = req.web!.lang;
    const found = await deviceChecks(app, p, d.mac, configuredRoot(app.config));
    const say = (code: string | undefined, params: Record<string, unknown>, fallback: string) =>
      code && hasMessage(`check.${code}`) ? translate(lang, `check.${code}`, params) : fallback;
    const checks = [
      ...found.problems.map((x) => say(x.code, x.params ?? {}, x.message)),
      ...found.shadows.map((x) => say(x.code, { name: x.name, vendor: x.vendor }, x.name)),
    ];
    render(req, res, 'device', {
      titleKey: 'device.title',
      ...base(p, t, 'devices'),
      device: { ...(await deviceRow(app, d)), version: d.version },
      users: (await listUsers(app, p, t.id)).map((u) => ({ number: u.number, name: u.name })),
      assign: { user: d.userNumber ?? '', label: d.label ?? '', expansionModules: String(d.expansionModules) },
      net: profileForm(net.overrides),
      netVersion: net.version,
      inherited: profileForm(await app.store.network.getTenant(t.id)),
      models: allModels([d.model]),
      timezones: timezones(),
      canResync: !!ports.resyncDevice,
      checks,
      ...extra,
    }, status);
  };
  r.get('/devices/:mac', (req, res) => showDevice(req, res));

  // ---- preview: the files the phone will get, and what changed since it last fetched them,
  // before telling it to resync. Passwords masked; `?secrets=true` shows them (audited).
  r.get('/devices/:mac/files', async (req, res) => {
    const { p, d, t } = await deviceOf(req);
    const secrets = req.query.secrets === 'true';
    const deps = { ...app, root: configuredRoot(app.config) };
    const { files } = await listDeviceFiles(deps, p, d.mac);
    const shown = [];
    for (const f of files) {
      // A file carrying the user's personal contacts: listed, its content not shown (private).
      const diff = f.status === 'changed' && !f.private ? await diffDeviceFile(deps, p, d.mac, f.name, { secrets }) : null;
      const content = f.private ? null : await previewDeviceFile(deps, p, d.mac, f.name, { secrets });
      shown.push({
        ...f,
        id: `file-${shown.length + 1}`,
        statusKey: f.status.replace('-', '_'),
        content: content ? content.body.toString('utf8') : null,
        hunks: diff?.hunks.map((h) => ({ ...h, lines: h.lines.map((l) => ({ ...l, kind: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same' })) })) ?? [],
        secretsOnly: diff?.secretsOnly ?? false,
      });
    }
    render(req, res, 'device-files', {
      titleKey: 'preview.title',
      ...base(p, t, 'devices'),
      device: await deviceRow(app, d),
      files: shown,
      secrets,
      changed: shown.filter((f) => f.status === 'changed' || f.status === 'no-snapshot').length,
      canResync: !!ports.resyncDevice,
    });
  });
  r.post('/devices/:mac', async (req, res) => {
    const { p, d } = await deviceOf(req);
    const assign = { user: field(req, 'user'), label: field(req, 'label'), expansionModules: field(req, 'expansionModules') };
    try {
      await updateDevice(app, p, d.mac, { user: orNull(assign.user), label: orNull(assign.label), expansionModules: numberOrNull(assign.expansionModules) ?? 0 }, formVersion(req));
      res.redirect(303, `/devices/${d.mac}?done=device_saved`);
    } catch (e) {
      await showDevice(req, res, { assign, errors: await formRefusal(app, req, e) }, refusalStatus(e));
    }
  });
  r.post('/devices/:mac/network', async (req, res) => {
    const { p, d } = await deviceOf(req);
    const { input, form } = profileInput(req, await app.store.network.getDevice(d.mac), [d.model]);
    try {
      await setDeviceNetwork(app, p, d.mac, input, formVersion(req, 'netVersion'));
      res.redirect(303, `/devices/${d.mac}?done=overrides_saved`);
    } catch (e) {
      await showDevice(req, res, { net: form, errors: await formRefusal(app, req, e, networkField) }, refusalStatus(e));
    }
  });

  // ---- network profile of the parc
  const showNetwork = async (req: Request, res: Response, t: Tenant, net: Record<string, string>, sip: Record<string, unknown>, errors?: FormErrors, status = 200) => {
    const p = who(req);
    const netVersion = (await getTenantNetworkEntry(app, p, t.id)).version;
    const models = allModels();
    const byVendor = [...new Set(models.map((m) => m.vendor))].map((v) => ({ vendor: v, models: models.filter((m) => m.vendor === v) }));
    const firmwareSet = models.some((m) => net[`fw_${m.model}`]);
    render(req, res, 'network', { titleKey: 'network.title', ...base(p, t, 'network'), net, netVersion, sip, byVendor, firmwareSet, timezones: timezones(), errors }, status);
  };
  r.get('/tenants/:tenant/network', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    await showNetwork(req, res, t, profileForm(await getTenantNetwork(app, p, t.id)), { sipTransport: t.sipTransport, sipPort: String(t.sipPort), sipProxy: t.sipProxy ?? '' });
  });
  r.post('/tenants/:tenant/network', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const { input, form } = profileInput(req, await getTenantNetwork(app, p, t.id), allModels().map((m) => m.model));
    try {
      await setTenantNetwork(app, p, t.id, input, formVersion(req, 'netVersion'));
      res.redirect(303, `/tenants/${t.id}/network?done=network_saved`);
    } catch (e) {
      const errors = await formRefusal(app, req, e, networkField);
      await showNetwork(req, res, t, form, { sipTransport: t.sipTransport, sipPort: String(t.sipPort), sipProxy: t.sipProxy ?? '' }, errors, refusalStatus(e));
    }
  });
  r.post('/tenants/:tenant/sip', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const sip = { sipTransport: field(req, 'sipTransport'), sipPort: field(req, 'sipPort'), sipProxy: field(req, 'sipProxy') };
    try {
      // Where NOTIFYs go (proxy, port) is the operator's to set (issue 12); a tenant admin sets the transport.
      const input = p.kind === 'operator' ? { sipTransport: sip.sipTransport, sipPort: numberOrNull(sip.sipPort) ?? 5060, sipProxy: orNull(sip.sipProxy) } : { sipTransport: sip.sipTransport };
      await updateTenant(app, p, t.id, input, formVersion(req, 'sipVersion'));
      res.redirect(303, `/tenants/${t.id}/network?done=sip_saved`);
    } catch (e) {
      const errors = await formRefusal(app, req, e);
      await showNetwork(req, res, t, profileForm(await getTenantNetwork(app, p, t.id)), sip, errors, refusalStatus(e));
    }
  });

  // ---- resync, with a live progress page
  r.post('/devices/:mac/resync', async (req, res) => {
    const { p, d } = await deviceOf(req);
    if (!ports.resyncDevice) return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'resync.unavailable' }, 503);
    const job = await ports.resyncDevice(p, d.mac);
    res.redirect(303, `/resync-jobs/${encodeURIComponent(job.id)}`);
  });
  r.post('/tenants/:tenant/resync', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    if (!ports.resyncTenant) return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'resync.unavailable' }, 503);
    const job = await ports.resyncTenant(p, t.id);
    res.redirect(303, `/resync-jobs/${encodeURIComponent(job.id)}`);
  });
  return r;
}
