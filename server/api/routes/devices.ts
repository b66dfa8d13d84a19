import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { fleetView } from '../views.ts';
import { createDevice, deleteDevice, getDevice, updateDevice } from '../../service/devices.ts';
import { fleetDevice, listFleet, parseFleetFilter, withFleetState } from '../../provision/fleet.ts';
import { getDeviceNetwork, setDeviceNetwork } from '../../service/network.ts';
import { requireOperator, type Principal } from '../../auth/principal.ts';
import type { Device } from '../../store/types.ts';
import { formatMac } from '../../domain/mac.ts';
import { configuredRoot } from '../../provision/provider.ts';
import { deviceChecks } from '../../provision/checks.ts';

export function devicesRouter(app: AppContext): Router {
  const r = Router();
  const view = async (p: Principal, d: Device) => fleetView(await withFleetState(app, d), p);
  // Filters: ?tenant= ?user= ?configState=pending|current|never-fetched ?firmware= ?model= ?group= ?notSeenSince=
  r.get('/devices', async (req, res) => {
    const p = principal(req);
    res.json((await listFleet(app, p, parseFleetFilter(req.query as Record<string, unknown>))).map((f) => fleetView(f, p)));
  });
  r.post('/devices', async (req, res) => {
    const p = principal(req);
    res.status(201).json(await view(p, await createDevice(app, p, req.body)));
  });
  r.get('/devices/:mac', async (req, res) => {
    const p = principal(req);
    res.json(fleetView(await fleetDevice(app, p, req.params.mac), p));
  });
  r.patch('/devices/:mac', async (req, res) => {
    const p = principal(req);
    res.json(await view(p, await updateDevice(app, p, req.params.mac, req.body)));
  });
  r.delete('/devices/:mac', async (req, res) => {
    await deleteDevice(app, principal(req), req.params.mac);
    res.status(204).end();
  });
  // The phone profile's device level; `/profile` is its better name, `/network` keeps working.
  for (const path of ['/devices/:mac/network', '/devices/:mac/profile']) {
    r.get(path, async (req, res) => {
      res.json(await getDeviceNetwork(app, principal(req), req.params.mac as string));
    });
    r.put(path, async (req, res) => {
      res.json(await setDeviceNetwork(app, principal(req), req.params.mac as string, req.body));
    });
  }
  // What this phone's files will not carry as stored (advisory: e.g. a third NTP server a model
  // ignores, a feature code it has no place for) and the vendor parameters that replace a value
  // cadran computes. Values that no format can carry are refused at save time already.
  r.get('/devices/:mac/checks', async (req, res) => {
    res.json(await deviceChecks(app, principal(req), req.params.mac, configuredRoot(app.config)));
  });
  r.get('/unknown-devices', async (req, res) => {
    requireOperator(principal(req));
    res.json((await app.store.unknownDevices.list()).map((u) => ({ ...u, mac: formatMac(u.mac) })));
  });
  return r;
}
