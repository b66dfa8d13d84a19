// Running a parc (issue 16): firmware inventory and targets, bulk edits of devices.
//   GET    /firmware?tenant=                                inventory per model (targets, versions, counts)
//   PUT    /tenants/{tenant}/firmware-targets/{model}       set a tenant target ({url, version, group?})
//   DELETE /tenants/{tenant}/firmware-targets/{model}?group= remove one
//   POST   /devices/bulk                                   filter → operations, dryRun or apply
//   POST   /users/bulk                                     licences (a key template), same shape
// Bulk edits are per collection: phones (profile fields, group, firmware) and licences (key templates).
import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError } from '../../domain/errors.ts';
import { principal } from '../auth.ts';
import { deleteFirmwareTarget, firmwareInventory, putFirmwareTarget } from '../../service/firmware.ts';
import { bulkEditDevices } from '../../provision/bulk.ts';
import { bulkEditUsers } from '../../provision/bulk-users.ts';
import type { Actor } from '../../auth/principal.ts';

export function parcRouter(app: AppContext): Router {
  const r = Router();
  r.get('/firmware', async (req, res) => {
    res.json(await firmwareInventory(app, principal(req), (req.query as Record<string, unknown>).tenant));
  });
  r.put('/tenants/:tenant/firmware-targets/:model', async (req, res) => {
    res.json({ tenant: req.params.tenant, targets: await putFirmwareTarget(app, principal(req), req.params.tenant, req.params.model, req.body) });
  });
  r.delete('/tenants/:tenant/firmware-targets/:model', async (req, res) => {
    const group = (req.query as Record<string, unknown>).group;
    res.json({ tenant: req.params.tenant, targets: await deleteFirmwareTarget(app, principal(req), req.params.tenant, req.params.model, group) });
  });
  /** After the commit: a failure to queue does not undo the edit; the answer says why. */
  const resyncAfter = async (p: Actor, r: { id: string; dryRun: boolean; resync: { macs: string[]; reboot: boolean } | null }) => {
    let jobs: string[] = [];
    let error: string | null = null;
    if (r.resync && !r.dryRun && r.resync.macs.length > 0) {
      try {
        jobs = (await app.resync.changed(p, r.resync.macs, `bulk ${r.id}`, { reboot: r.resync.reboot })).map((j) => j.id);
      } catch (e) {
        if (!(e instanceof DomainError)) app.log.error({ err: e }, 'resync after a bulk edit failed');
        error = e instanceof DomainError ? e.key : 'api.internal';
      }
    }
    return r.resync ? { devices: r.resync.macs.length, reboot: r.resync.reboot, jobs, error } : null;
  };
  r.post('/devices/bulk', async (req, res) => {
    const p = principal(req);
    const result = await bulkEditDevices(app, p, req.body);
    res.json({ ...result, resync: await resyncAfter(p, result) });
  });
  r.post('/users/bulk', async (req, res) => {
    const p = principal(req);
    const result = await bulkEditUsers(app, p, req.body);
    res.json({ ...result, resync: await resyncAfter(p, result) });
  });
  return r;
}
