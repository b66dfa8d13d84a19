// Running a parc (issue 16): firmware inventory and targets, bulk edits of devices.
//   GET    /firmware?tenant=                                inventory per model (targets, versions, counts)
//   PUT    /tenants/{tenant}/firmware-targets/{model}       set a tenant target ({url, version, group?})
//   DELETE /tenants/{tenant}/firmware-targets/{model}?group= remove one
//   POST   /devices/bulk                                   filter → operations, dryRun or apply
// Bulk edits are per collection: devices here; licences (key templates) get /users/bulk when the
// key template feature lands.
import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError } from '../../domain/errors.ts';
import { principal } from '../auth.ts';
import { deleteFirmwareTarget, firmwareInventory, putFirmwareTarget } from '../../service/firmware.ts';
import { bulkEditDevices } from '../../provision/bulk.ts';

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
  r.post('/devices/bulk', async (req, res) => {
    const p = principal(req);
    const result = await bulkEditDevices(app, p, req.body);
    let resyncJobs: string[] = [];
    let resyncError: string | null = null;
    if (result.resync && !result.dryRun && result.resync.macs.length > 0) {
      // After the commit: a failure to queue does not undo the edit; the answer says why.
      try {
        resyncJobs = (await app.resync.changed(p, result.resync.macs, `bulk ${result.id}`, { reboot: result.resync.reboot })).map((j) => j.id);
      } catch (e) {
        if (!(e instanceof DomainError)) app.log.error({ err: e }, 'resync after a bulk edit failed');
        resyncError = e instanceof DomainError ? e.key : 'api.internal';
      }
    }
    const { resync, ...rest } = result;
    res.json({ ...rest, resync: resync ? { devices: resync.macs.length, reboot: resync.reboot, jobs: resyncJobs, error: resyncError } : null });
  });
  return r;
}
