// View models shared by several pages.
import type { AppContext } from '../../app-context.ts';
import { formatMac } from '../../domain/mac.ts';
import { findModel, keyCapacity } from '../../../vendors/index.ts';
import type { Device } from '../../store/types.ts';
import type { Translate } from '../../domain/messages.ts';
import { reasonText } from '../../imports/report.ts';
import type { ImportReport } from '../ports.ts';
import type { Request, Response } from 'express';
import { DomainError } from '../../domain/errors.ts';
import { formErrors, importBytes, tr } from '../forms.ts';
import { translate } from '../i18n.ts';
import type { Renderer } from '../page.ts';

/**
 * A contacts import page (personal or shared contacts): the uploaded file is checked (dry run) and
 * the report shown; confirmed, it is written and the list says what was; nothing written, the
 * report stays. `base`: the page's view model; `run`: the import (dryRun or not); `listUrl` null:
 * the importer may not see the list (a deposit into someone's private book), the report stays.
 */
export async function contactsImportStep(
  req: Request, res: Response, render: Renderer,
  page: { view: string; base: Record<string, unknown>; listUrl: string | null; run: (csv: Buffer, dryRun: boolean) => Promise<ImportReport> },
): Promise<void> {
  const { bytes, carried, confirm } = importBytes(req);
  if (!bytes.toString('utf8').trim()) {
    return render(req, res, page.view, { ...page.base, errors: { fields: { file: translate(req.web!.lang, 'import.file_required') } } }, 422);
  }
  try {
    const report = await page.run(bytes, !confirm);
    const view = importView(report, tr(req));
    // Written: the list, with what was written in the message. Nothing written: this page says so.
    if (confirm && view.wroteSomething && page.listUrl) {
      return res.redirect(303, `${page.listUrl}?done=contacts_imported&created=${report.created}&updated=${report.updated}&rejected=${report.rejected}`);
    }
    render(req, res, page.view, { ...page.base, report: view, csv: carried, filename: req.upload?.filename, done: confirm });
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== 'validation_failed') throw e;
    render(req, res, page.view, { ...page.base, errors: formErrors(e, tr(req), () => 'file') }, 422);
  }
}

/** A phone counts as "in touch" when it fetched its files within this delay. */
export const RECENT_MS = 26 * 3600_000;

export async function deviceRow(app: AppContext, d: Device, now = Date.now()) {
  const found = findModel(d.model);
  const seen = await app.store.sightings.get(d.mac);
  const user = d.userNumber ? await app.store.users.get(d.userNumber) : undefined;
  const status = !seen ? 'never' : now - Date.parse(seen.at) < RECENT_MS ? 'ok' : 'stale';
  return {
    mac: d.mac,
    macText: formatMac(d.mac),
    model: d.model,
    vendor: found?.vendor.displayName ?? d.vendor,
    keys: found ? keyCapacity(found.model, d.expansionModules) : null,
    expansionModules: d.expansionModules,
    label: d.label,
    tenant: d.tenantId,
    userNumber: d.userNumber,
    userName: user?.name ?? null,
    status,
    seen: seen ? { at: seen.at, ip: seen.ip, firmware: seen.firmware, file: seen.file, protocol: seen.protocol, userAgent: seen.userAgent } : null,
  };
}

/** Rows of a phone list, one after the other (a long list does not flood the database). */
export async function deviceRows(app: AppContext, devices: Device[]) {
  const rows = [];
  for (const d of devices) rows.push(await deviceRow(app, d));
  return rows;
}

/**
 * An import report as the page shows it. The words follow what really happened: before writing,
 * "à créer" (`planned`); after writing, "créé" (`written`); when nothing was written, the lines that
 * would have been written say so (`not_written`). `blocked`: an all-or-nothing check that a real
 * import would refuse as a whole (the page then offers to import the valid lines only).
 */
export function importView(r: ImportReport, t: Translate) {
  const phase = r.dryRun ? 'planned' : r.applied ? 'written' : 'not_written';
  const anyValid = r.created + r.updated + r.added > 0;
  return {
    ...r,
    phase,
    lines: r.lines.map((l) => ({
      ...l,
      reason: l.reason ? reasonText(l.reason, t) : undefined,
      ok: l.status !== 'rejected',
      statusKey: l.status === 'rejected' || l.status === 'unchanged' ? `import.status_${l.status}` : `import.status_${l.status}_${phase}`,
    })),
    anyValid,
    blocked: r.mode === 'all-or-nothing' && r.rejected > 0,
    message: t(r.summary.key, r.summary.params),
    wroteSomething: r.applied && anyValid,
    deposit: r.summary.key.includes('deposit'),
  };
}
