import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { fleetView, unknownView } from '../views.ts';
import { noContent, sendVersioned, writeOptions } from '../versions.ts';
import { createDevice, deleteDevice, getDevice, rotateCredentials, updateDevice } from '../../service/devices.ts';
import { fleetDevice, listFleet, parseFleetFilter, withFleetState } from '../../provision/fleet.ts';
import { getDeviceNetwork, setDeviceNetwork } from '../../service/network.ts';
import { assignUnknownDevice, listUnknownDevices } from '../../service/unknown.ts';
import type { Principal } from '../../auth/principal.ts';
import type { Device, Tenant } from '../../store/types.ts';
import { formatMac } from '../../domain/mac.ts';
import { configuredRoot } from '../../provision/provider.ts';
import { deviceChecks } from '../../provision/checks.ts';
import { diffDeviceFile, listDeviceFiles, previewDeviceFile, type PreviewDeps } from '../../provision/preview.ts';
import { invalid } from '../../domain/errors.ts';

export function devicesRouter(app: AppContext): Router {
  const r = Router();
  const tenantOf = async (id: string, tenants: Map<string, Tenant | undefined>) => {
    if (!tenants.has(id)) tenants.set(id, await app.store.tenants.get(id));
    return tenants.get(id);
  };
  const view = async (p: Principal, d: Device, tenants = new Map<string, Tenant | undefined>()) => fleetView(await withFleetState(app, d), p, await tenantOf(d.tenantId, tenants));
  // Filters: ?tenant= ?user= ?configState=pending|current|never-fetched ?firmware= ?model= ?group= ?notSeenSince=
  r.get('/devices', async (req, res) => {
    const p = principal(req);
    const tenants = new Map<string, Tenant | undefined>();
    const out = [];
    for (const f of await listFleet(app, p, parseFleetFilter(req.query as Record<string, unknown>))) out.push(fleetView(f, p, await tenantOf(f.device.tenantId, tenants)));
    res.json(out);
  });
  r.post('/devices', async (req, res) => {
    const p = principal(req);
    const d = await createDevice(app, p, req.body);
    sendVersioned(res, d.version, await view(p, d), 201);
  });
  r.get('/devices/:mac', async (req, res) => {
    const p = principal(req);
    const f = await fleetDevice(app, p, req.params.mac);
    sendVersioned(res, f.device.version, fleetView(f, p, await app.store.tenants.get(f.device.tenantId)));
  });
  r.patch('/devices/:mac', async (req, res) => {
    const p = principal(req);
    const d = await updateDevice(app, p, req.params.mac, req.body, writeOptions(req));
    sendVersioned(res, d.version, await view(p, d));
  });
  r.delete('/devices/:mac', noContent((req) => deleteDevice(app, principal(req), req.params.mac, writeOptions(req))));
  // New provisioning credentials and, when the tenant adopts before serving, a new enrolment
  // window. The new password is in this answer only.
  r.post('/devices/:mac/credentials', async (req, res) => {
    const p = principal(req);
    const d = await rotateCredentials(app, p, req.params.mac as string, writeOptions(req));
    sendVersioned(res, d.version, { ...(await view(p, d)), provisioningPassword: d.provisioningPassword });
  });
  // The phone profile's device level; `/profile` is its better name, `/network` keeps working.
  // Both answer with an ETag; a PUT with If-Match naming an older version gets 412.
  for (const path of ['/devices/:mac/network', '/devices/:mac/profile']) {
    r.get(path, async (req, res) => {
      const n = await getDeviceNetwork(app, principal(req), req.params.mac as string);
      sendVersioned(res, n.version, { overrides: n.overrides, effective: n.effective });
    });
    r.put(path, async (req, res) => {
      const entry = await setDeviceNetwork(app, principal(req), req.params.mac as string, req.body, writeOptions(req));
      sendVersioned(res, entry.version, entry.profile);
    });
    // A JSON merge patch (RFC 7396): the fields given, `null` removes one; the rest stays.
    r.patch(path, async (req, res) => {
      const entry = await setDeviceNetwork(app, principal(req), req.params.mac as string, req.body, { ...writeOptions(req), merge: true });
      sendVersioned(res, entry.version, entry.profile);
    });
  }
  // What this phone's files will not carry as stored (advisory: e.g. a third NTP server a model
  // ignores, a feature code it has no place for) and the vendor parameters that replace a value
  // cadran computes. Values that no format can carry are refused at save time already.
  r.get('/devices/:mac/checks', async (req, res) => {
    res.json(await deviceChecks(app, principal(req), req.params.mac, configuredRoot(app.config)));
  });
  // Operators: every phone seen that nobody provisioned. Tenant admins: those an operator
  // assigned to their tenant (they may register them).
  // Preview and diff (issue 17): the exact files the phone will get, and what changed since it
  // last fetched them. Secrets are masked unless `?secrets=true` (admins, operators; audited).
  const previewDeps = (): PreviewDeps => ({ ...app, root: configuredRoot(app.config) });
  const flag = (v: unknown, name: string): boolean => {
    if (v === undefined || v === 'false' || v === '0') return false;
    if (v === 'true' || v === '1') return true;
    throw invalid(name, 'validation.type_boolean');
  };
  const diffFormat = (v: unknown): 'json' | 'unified' => {
    if (v === undefined || v === 'json') return 'json';
    if (v === 'unified') return 'unified';
    throw invalid('format', 'validation.choice', { values: 'json, unified' });
  };
  const sendDiff = async (req: import('express').Request, res: import('express').Response, name: string) => {
    const format = diffFormat(req.query.format);
    const d = await diffDeviceFile(previewDeps(), principal(req), req.params.mac as string, name, { secrets: flag(req.query.secrets, 'secrets') });
    res.set('Cache-Control', 'no-store');
    if (format === 'unified') res.type('text/x-diff; charset=utf-8').send(d.unified);
    else res.json(d);
  };
  r.get('/devices/:mac/files', async (req, res) => {
    const list = await listDeviceFiles(previewDeps(), principal(req), req.params.mac);
    res.set('Cache-Control', 'no-store').json({ ...list, mac: formatMac(list.mac) });
  });
  r.get('/devices/:mac/files/:name/diff', async (req, res) => {
    await sendDiff(req, res, req.params.name);
  });
  r.get('/devices/:mac/files/:name', async (req, res) => {
    if (req.query.diff !== undefined) {
      if (req.query.diff !== 'last-fetched') throw invalid('diff', 'validation.choice', { values: 'last-fetched' });
      return sendDiff(req, res, req.params.name);
    }
    const f = await previewDeviceFile(previewDeps(), principal(req), req.params.mac, req.params.name, { secrets: flag(req.query.secrets, 'secrets') });
    res.set('Cache-Control', 'no-store').set('ETag', f.etag).set('X-Content-Type-Options', 'nosniff').type(f.contentType).send(f.body);
  });
  r.get('/unknown-devices', async (req, res) => {
    const p = principal(req);
    res.json((await listUnknownDevices(app, p)).map((u) => unknownView(u, p)));
  });
  r.patch('/unknown-devices/:mac', async (req, res) => {
    const p = principal(req);
    res.json(unknownView(await assignUnknownDevice(app, p, req.params.mac, req.body), p));
  });
  return r;
}
