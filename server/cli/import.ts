// `cadran import <csv>`: a technician's MAC list (or, with --contacts <number>, a user's personal
// contacts) into the local database, in one transaction, with a progress bar on a terminal.
import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { importDevices } from '../imports/devices.ts';
import { importContacts } from '../imports/contacts.ts';
import { localizeReport, type ImportReportView } from '../imports/report.ts';
import type { ImportProgress } from '../imports/common.ts';
import type { Translate } from '../domain/messages.ts';
import { CliError, cliTranslator, localActor, withLocalApp } from './common.ts';

interface ImportFlags {
  dryRun?: boolean;
  skipInvalid?: boolean;
  allOrNothing?: boolean;
  tenant?: string;
  json?: boolean;
  contacts?: string;
}

/** Rejected lines printed by the human summary; --json has them all. */
const SHOWN_REJECTED = 100;

/** A bar on stderr while reading (bytes) then writing (lines); nothing when not on a terminal. */
function progressBar(totalBytes: number, dryRun: boolean, t: Translate): { update: (p: ImportProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{phase} [{bar}] {percentage}% | {value}/{total} {unit}', hideCursor: true, clearOnComplete: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  let phase: ImportProgress['phase'] | undefined;
  return {
    update(p) {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        if (p.phase === 'read') bar.start(totalBytes || 1, 0, { phase: t('cli.import.reading'), unit: t('cli.import.bytes') });
        else bar.start(p.total || 1, 0, { phase: t(dryRun ? 'cli.import.checking' : 'cli.import.writing'), unit: t('cli.import.lines') });
      }
      bar.update(p.phase === 'read' ? p.bytes : p.done);
    },
    stop: () => {
      if (phase) bar.stop();
    },
  };
}

/** The report for a person, in the CLI's language (translated by `localizeReport`). */
export function humanReport(file: string, r: ImportReportView, t: Translate): string {
  const out = [`${file}: ${r.message}`];
  for (const w of r.warnings) out.push(t('cli.import.warning', { message: w }));
  const rejected = r.lines.filter((l) => l.status === 'rejected');
  if (rejected.length) {
    out.push(t('cli.import.rejected_lines'));
    for (const l of rejected.slice(0, SHOWN_REJECTED)) {
      const what = l.mac || l.name;
      const reason = l.reason ?? t('import_line.rejected');
      out.push(`  ${what ? t('cli.import.rejected_line', { line: l.line, what, reason }) : t('cli.import.rejected_line_unnamed', { line: l.line, reason })}`);
    }
    const more = r.rejected - Math.min(rejected.length, SHOWN_REJECTED);
    if (more > 0) out.push(`  ${t('cli.import.more_lines', { count: more })}`);
  }
  return out.join('\n') + '\n';
}

export function registerImportCommand(program: Command): void {
  program
    .command('import <csv>')
    .description('import a CSV list of phones (columns mac, vendor, model, tenant, user, label, group, renvoi, npd, appelants prioritaires, liste noire, rejeter-appels-anonymes, modele-de-touches; French or English header names; "-" reads standard input)')
    .option('--dry-run', 'show what would be created, updated or rejected, and write nothing')
    .option('--skip-invalid', 'write the valid lines and skip the rejected ones')
    .option('--all-or-nothing', 'write nothing when any line is rejected (the default)')
    .option('--tenant <id>', 'tenant of new phones on lines that name none')
    .option('--contacts <number>', "import personal contacts (name, work, mobile, home, group) into this user's directory instead")
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o: ImportFlags) => {
      const t = cliTranslator();
      if (o.skipInvalid && o.allOrNothing) throw new CliError('cli.import.modes_exclusive');
      if (o.contacts && o.tenant) throw new CliError('cli.import.tenant_with_contacts');
      let size = 0;
      if (file !== '-') {
        try {
          const st = statSync(file);
          if (!st.isFile()) throw new CliError('cli.not_a_file', { file });
          size = st.size;
        } catch (e) {
          if (e instanceof CliError) throw e;
          const err = e as NodeJS.ErrnoException;
          if (err.code === 'ENOENT') throw new CliError('cli.no_such_file', { file });
          throw new CliError('cli.cannot_read', { file, detail: err.code ?? err.message });
        }
      }
      const mode = o.skipInvalid ? 'skip-invalid' : 'all-or-nothing';
      const dryRun = Boolean(o.dryRun);
      const bar = progressBar(size, dryRun, t);
      const report = await withLocalApp(async (app) => {
        const input = file === '-' ? process.stdin : createReadStream(file);
        try {
          const common = { dryRun, mode, onProgress: bar.update } as const;
          return o.contacts
            ? await importContacts(app, localActor(), o.contacts, input, common)
            : await importDevices(app, localActor(), input, { ...common, ...(o.tenant ? { defaultTenant: o.tenant } : {}) });
        } finally {
          bar.stop();
          if (input !== process.stdin) input.destroy();
        }
      });
      const view = localizeReport(report, t);
      process.stdout.write(o.json ? JSON.stringify(view, null, 2) + '\n' : humanReport(file === '-' ? t('cli.import.stdin') : file, view, t));
      if (dryRun && report.rejected > 0) throw new CliError('cli.import.dry_run_rejected', { count: report.rejected });
      if (!dryRun && !report.applied) throw new CliError('cli.import.nothing_imported', { count: report.rejected });
    });
}
