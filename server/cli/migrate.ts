// `cadran migrate --from sqlite:<file> --to postgres://…`: move an installation from the embedded
// SQLite file to PostgreSQL (every table: tenants to API tokens, sessions and resync jobs). The
// target must be empty unless --force; the copy is one transaction with row counts verified.
// TLS, CA file and statement timeout of the target come from the CADRAN_DATABASE_* settings.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { copySqliteToPostgres, CopyError, describePostgresUrl } from '../store/index.ts';
import { CliError, cliTranslator } from './common.ts';

interface MigrateFlags {
  from?: string;
  to?: string;
  force?: boolean;
  json?: boolean;
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('copy a whole installation from its SQLite file to an empty PostgreSQL database')
    .requiredOption('--from <source>', 'sqlite:<path of cadran.sqlite>')
    .requiredOption('--to <url>', 'postgres://user:password@host:5432/database')
    .option('--force', 'replace what the PostgreSQL database already holds')
    .option('--json', 'print the report as JSON')
    .action(async (flags: MigrateFlags) => {
      const m = /^sqlite:(.+)$/.exec(flags.from ?? '');
      if (!m) throw new CliError('cli.migrate_from', { value: String(flags.from ?? '') });
      const file = m[1]!;
      const to = flags.to ?? '';
      if (!/^postgres(ql)?:\/\//i.test(to)) throw new CliError('cli.migrate_to');
      // The target's TLS and timeout settings, validated like a server's (the URL stands for CADRAN_DATABASE_URL).
      const config = loadConfig({ ...process.env, CADRAN_DATABASE_URL: to });
      const db = config.database;
      const bar = process.stderr.isTTY && !flags.json
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'copying {table} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true, fps: 10 }, cliProgress.Presets.shades_classic)
        : null;
      let current = '';
      try {
        const report = await copySqliteToPostgres({
          sqliteFile: file,
          postgres: {
            url: to,
            ...(db.tls ? { tls: db.tls } : {}),
            ...(db.caFile ? { caFile: db.caFile } : {}),
            statementTimeoutMs: db.statementTimeoutMs,
          },
          force: flags.force === true,
          onProgress: (p) => {
            if (!bar) return;
            if (p.table !== current) {
              if (current) bar.stop();
              current = p.table;
              bar.start(p.total || 1, 0, { table: p.table });
            }
            bar.update(p.copied);
          },
        });
        bar?.stop();
        if (flags.json) {
          process.stdout.write(JSON.stringify({ from: file, to: describePostgresUrl(to), ...report }) + '\n');
          return;
        }
        const width = Math.max(...report.tables.map((t) => t.table.length));
        const t = cliTranslator();
        const lines = [t('cli.migrate.copied', { rows: String(report.rows), file, target: describePostgresUrl(to), version: String(report.schemaVersion) })];
        for (const x of report.tables) lines.push(`  ${x.table.padEnd(width)}  ${x.rows}`);
        lines.push(t('cli.migrate.next'));
        process.stdout.write(lines.join('\n') + '\n');
      } catch (e) {
        bar?.stop();
        if (e instanceof CopyError) throw new CliError('cli.migrate_failed', { reason: cliTranslator()(e.key, e.params) });
        throw e;
      }
    });
}
