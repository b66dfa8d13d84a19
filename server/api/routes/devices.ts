import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { fleetView, unknownView } from '../views.ts';
import { sendVersion, writeOptions } from '../versions.ts';
import { createDevice, deleteDevice, getDevice, rotateCredentials, updateDevice } from '../../service/devices.ts';
import { fleetDevice, listFleet, parseFleetFilter, withFleetState } from '../../provision/fleet.ts';
import { getDeviceNetwork, setDeviceNetwork } from '../../service/network.ts';
import { assignUnknownDevice, listUnknownDevices } from '../../service/unknown.ts';
import type { Principal } from '../../auth/principal.ts';
import type { Device, Tenant } from '../../store/types.ts';
import { formatMac } from '../../domain/mac.ts';
import { configuredRoot } from '../../provision/provider.ts';
import { deviceChecks } from '../../provision/checks.ts';

export function devicesRouter(app: AppContext): Router {
  const r = Router();
  const tenantOf = async (id: string, tenants: Map<string, Tenant | undefined>) => {
    if (!tenants.has(id)) tenants.set(id, await app.store.tenants.get(id));
    return tenants.get(id);
  };
  const view = async (p: Principal, d: Device, tenants = new Map<string, Tenant | undefined>()) => fleetView(await withFleetState(app, d), p, await tenantOf(d.tenantId, tenants));
  // Filters: ?tenant= ?user= ?configState=pending|current|never-fetched ?firmware= ?model= ?notSeenSince=
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
    sendVersion(res, d.version);
    res.status(201).json(await view(p, d));
  });
  r.get('/devices/:mac', async (req, res) => {
    const p = principal(req);
    const f = await fleetDevice(app, p, req.params.mac);
    sendVersion(res, f.device.version);
    res.json(fleetView(f, p, await app.store.tenants.get(f.device.tenantId)));
  });
  r.patch('/devices/:mac', async (req, res) => {
    const p = principal(req);
    const d = await updateDevice(app, p, req.params.mac, req.body, writeOptions(req));
    sendVersion(res, d.version);
    res.json(await view(p, d));
  });
  r.delete('/devices/:mac', async (req, res) => {
    await deleteDevice(app, principal(req), req.params.mac, writeOptions(req));
    res.status(204).end();
  });
  // New provisioning credentials and, when the tenant adopts before serving, a new enrolment
  // window. The new password is in this answer only.
  r.post('/devices/:mac/credentials', async (req, res) => {
    const p = principal(req);
    const d = await rotateCredentials(app, p, req.params.mac as string, writeOptions(req));
    sendVersion(res, d.version);
    res.json({ ...(await view(p, d)), provisioningPassword: d.provisioningPassword });
  });
  // The phone profile's device level; `/profile` is its better name, `/network` keeps working.
  // Both answer with an ETag; a PUT with If-Match naming an older version gets 412.
  for (const path of ['/devices/:mac/network', '/devices/:mac/profile']) {
    r.get(path, async (req, res) => {
      const n = await getDeviceNetwork(app, principal(req), req.params.mac as string);
      sendVersion(res, n.version);
      res.json({ overrides: n.overrides, effective: n.effective });
    });
    r.put(path, async (req, res) => {
      const entry = await setDeviceNetwork(app, principal(req), req.params.mac as string, req.body, writeOptions(req));
      sendVersion(res, entry.version);
      res.json(entry.profile);
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
