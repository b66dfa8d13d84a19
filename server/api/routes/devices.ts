import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { deviceView } from '../views.ts';
import { createDevice, deleteDevice, getDevice, listDevices, updateDevice } from '../../service/devices.ts';
import { getDeviceNetwork, setDeviceNetwork } from '../../service/network.ts';
import { requireOperator } from '../../auth/principal.ts';
import { formatMac } from '../../domain/mac.ts';
import { buildRenderContext } from '../../provision/context.ts';
import { vendorById } from '../../../vendors/index.ts';

export function devicesRouter(app: AppContext): Router {
  const r = Router();
  const view = (req: Parameters<Parameters<Router['get']>[1]>[0], mac: string) => {
    const d = app.store.devices.get(mac)!;
    return deviceView(d, principal(req), app.store.sightings.get(d.mac));
  };
  r.get('/devices', (req, res) => {
    const p = principal(req);
    const q = req.query as Record<string, string | undefined>;
    const list = listDevices(app, p, { ...(q.tenant ? { tenantId: q.tenant } : {}), ...(q.user ? { userNumber: q.user } : {}) });
    res.json(list.map((d) => deviceView(d, p, app.store.sightings.get(d.mac))));
  });
  r.post('/devices', (req, res) => {
    const d = createDevice(app, principal(req), req.body);
    res.status(201).json(view(req, d.mac));
  });
  r.get('/devices/:mac', (req, res) => {
    res.json(view(req, getDevice(app, principal(req), req.params.mac).mac));
  });
  r.patch('/devices/:mac', (req, res) => {
    res.json(view(req, updateDevice(app, principal(req), req.params.mac, req.body).mac));
  });
  r.delete('/devices/:mac', (req, res) => {
    deleteDevice(app, principal(req), req.params.mac);
    res.status(204).end();
  });
  r.get('/devices/:mac/network', (req, res) => {
    res.json(getDeviceNetwork(app, principal(req), req.params.mac));
  });
  r.put('/devices/:mac/network', (req, res) => {
    res.json(setDeviceNetwork(app, principal(req), req.params.mac, req.body));
  });
  // What this phone's vendor cannot represent of the stored settings (advisory: e.g. a third NTP
  // server a model ignores). Values that no format can carry are refused at save time already.
  r.get('/devices/:mac/checks', (req, res) => {
    const d = getDevice(app, principal(req), req.params.mac);
    const ctx = buildRenderContext(app.store, d.mac, 'http://localhost/');
    const vendor = vendorById(d.vendor);
    res.json({ mac: formatMac(d.mac), problems: ctx && vendor?.checkValues ? vendor.checkValues(ctx) : [] });
  });
  r.get('/unknown-devices', (req, res) => {
    requireOperator(principal(req));
    res.json(app.store.unknownDevices.list().map((u) => ({ ...u, mac: formatMac(u.mac) })));
  });
  return r;
}
