// `cadran import <csv>`: a technician's MAC list (or, with --contacts <number>, a user's personal
// contacts) into the local database, in one transaction, with a progress bar on a terminal.
import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { SYSTEM } from '../auth/principal.ts';
import { importDevices } from '../imports/devices.ts';
import { importContacts } from '../imports/contacts.ts';
import { plural, type ImportReport } from '../imports/report.ts';
import type { ImportProgress } from '../imports/common.ts';
import { CliError, withLocalApp } from './common.ts';

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
function progressBar(totalBytes: number, applyLabel: string): { update: (p: ImportProgress) => void; stop: () => void } {
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
        if (p.phase === 'read') bar.start(totalBytes || 1, 0, { phase: 'reading ', unit: 'bytes' });
        else bar.start(p.total || 1, 0, { phase: applyLabel, unit: 'lines' });
      }
      bar.update(p.phase === 'read' ? p.bytes : p.done);
    },
    stop: () => {
      if (phase) bar.stop();
    },
  };
}

export function humanReport(file: string, r: ImportReport): string {
  const out = [`${file}: ${r.message}`];
  for (const w of r.warnings) out.push(`warning: ${w}`);
  const rejected = r.lines.filter((l) => l.status === 'rejected');
  if (rejected.length) {
    out.push('rejected lines:');
    for (const l of rejected.slice(0, SHOWN_REJECTED)) out.push(`  line ${l.line}: ${l.mac ?? l.name ?? ''}${(l.mac ?? l.name) ? ': ' : ''}${l.reason ?? ''}`);
    const more = r.rejected - Math.min(rejected.length, SHOWN_REJECTED);
    if (more > 0) out.push(`  … and ${plural(more, 'more line', 'more lines')} (--json lists them)`);
  }
  return out.join('\n') + '\n';
}

export function registerImportCommand(program: Command): void {
  program
    .command('import <csv>')
    .description('import a CSV list of phones (columns mac, model, tenant, user, label; "-" reads standard input)')
    .option('--dry-run', 'show what would be created, updated or rejected, and write nothing')
    .option('--skip-invalid', 'write the valid lines and skip the rejected ones')
    .option('--all-or-nothing', 'write nothing when any line is rejected (the default)')
    .option('--tenant <id>', 'tenant of new phones on lines that name none')
    .option('--contacts <number>', "import personal contacts (name, work, mobile, home, group) into this user's directory instead")
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o: ImportFlags) => {
      if (o.skipInvalid && o.allOrNothing) throw new CliError('choose either --skip-invalid or --all-or-nothing');
      if (o.contacts && o.tenant) throw new CliError('--tenant applies to phones, not to --contacts');
      let size = 0;
      if (file !== '-') {
        try {
          const st = statSync(file);
          if (!st.isFile()) throw new CliError(`${file}: not a file`);
          size = st.size;
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
      }
      const mode = o.skipInvalid ? 'skip-invalid' : 'all-or-nothing';
      const dryRun = Boolean(o.dryRun);
      const bar = progressBar(size, dryRun ? 'checking' : 'writing ');
      const report = await withLocalApp(async (app) => {
        const input = file === '-' ? process.stdin : createReadStream(file);
        try {
          const common = { dryRun, mode, onProgress: bar.update } as const;
          return o.contacts
            ? await importContacts(app, SYSTEM, o.contacts, input, common)
            : await importDevices(app, SYSTEM, input, { ...common, ...(o.tenant ? { defaultTenant: o.tenant } : {}) });
        } finally {
          bar.stop();
          if (input !== process.stdin) input.destroy();
        }
      });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : humanReport(file === '-' ? 'stdin' : file, report));
      if (dryRun && report.rejected > 0) throw new CliError(`dry run: ${plural(report.rejected, 'line would be', 'lines would be')} rejected`);
      if (!dryRun && !report.applied) {
        throw new CliError(`nothing imported: ${plural(report.rejected, 'line is', 'lines are')} rejected (all-or-nothing; --skip-invalid imports the valid lines)`);
      }
    });
}
