// `cadran resync <mac>` (or --user / --tenant): sends the NOTIFYs from this process, waits for
// the answers (bounded by --wait), prints one line per phone and exits 0 only when every phone
// accepted (2xx). It needs no running server; the job is recorded like the API's.
import type { Command } from 'commander';
import { localizeJob, shownState, type ResyncDeviceView, type ResyncJobView } from '../resync/service.ts';
import type { Translate } from '../domain/messages.ts';
import { CliError, cliTranslator, localActor, withLocalApp } from './common.ts';

interface ResyncFlags {
  user?: string;
  tenant?: string;
  reboot?: boolean;
  wait: string;
  json?: boolean;
}

const accepted = (d: ResyncDeviceView): boolean =>
  (d.state === 'answered' || d.state === 'fetched') && d.code !== undefined && d.code >= 200 && d.code < 300;

/** The state as people read it: not sent, or never seen, is not a phone's refusal (shownState). */
const stateText = (d: ResyncDeviceView, t: Translate): string => t(`resync.state_${shownState(d)}`);
const reasonOf = (d: ResyncDeviceView, t: Translate): string => (d.reason ? t(d.reason.key, d.reason.params) : '');

/** One line per phone, in the CLI's language: MAC, state, SIP code, reason. */
export function resyncTable(job: ResyncJobView, t: Translate): string {
  const rows = job.devices.map((d) => [d.mac, stateText(d, t), d.code === undefined ? '-' : String(d.code), reasonOf(d, t)]);
  const head = [t('cli.resync.col_mac'), t('cli.resync.col_state'), t('cli.resync.col_code'), t('cli.resync.col_reason')];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]!))).join('  ').trimEnd();
  const title = t('cli.resync.title', { id: job.id, label: t(job.label.key, job.label.params), count: job.total });
  // Then how many phones ended each way (state and reason), most first: a tenant of 5,000 phones
  // is read from these lines, not from the table.
  const counts = new Map<string, number>();
  for (const d of job.devices) {
    const what = [stateText(d, t), d.code === undefined ? '' : String(d.code), reasonOf(d, t)].filter(Boolean).join(' · ');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([what, count]) => t('cli.resync.summary_line', { count, what }));
  return [title, line(head), ...rows.map(line), '', t('cli.resync.summary'), ...summary].join('\n') + '\n';
}

export function registerResyncCommand(program: Command): void {
  program
    .command('resync [mac]')
    .description("make a phone (or a user's phones, or a whole tenant) reload its configuration with a SIP NOTIFY")
    .option('--user <number>', "resync every phone of this user")
    .option('--tenant <id>', 'resync every phone of this tenant')
    .option('--reboot', 'reboot the phones instead of a configuration check')
    .option('--wait <seconds>', 'how long to wait for the answers', '40')
    .option('--json', 'print the job as JSON')
    .action(async (mac: string | undefined, o: ResyncFlags) => {
      const chosen = [mac, o.user, o.tenant].filter((x) => x !== undefined).length;
      if (chosen !== 1) throw new CliError('cli.resync.one_target');
      const wait = Number(o.wait);
      if (!Number.isFinite(wait) || wait < 0 || wait > 3600) throw new CliError('cli.resync.wait');
      const job = await withLocalApp(async (app) => {
        // Port 0: a running server may hold the configured SIP port; answers come back to ours.
        const runtime = await app.resync.start({ bindPort: 0 });
        try {
          const opts = { reboot: o.reboot === true };
          const me = localActor();
          const { id } = await (mac !== undefined
            ? app.resync.device(me, mac, opts)
            : o.user !== undefined
              ? app.resync.user(me, o.user, opts)
              : app.resync.tenant(me, o.tenant!, opts));
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([runtime.engine.whenIdle(), new Promise<void>((r) => (timer = setTimeout(r, wait * 1000)))]);
          clearTimeout(timer);
          return await app.resync.job(me, id);
        } finally {
          // Unanswered targets stay queued/sent in the job: a running server's next start sends them.
          await runtime.close();
        }
      });
      const t = cliTranslator();
      process.stdout.write(o.json ? JSON.stringify(localizeJob(job, t), null, 2) + '\n' : resyncTable(job, t));
      const bad = job.devices.filter((d) => !accepted(d));
      if (bad.length === 0) return;
      const pending = bad.filter((d) => d.state === 'queued' || d.state === 'sent').length;
      if (pending > 0) throw new CliError('cli.resync.pending', { count: pending, total: job.total, wait });
      const first = bad[0]!;
      const outcome = [stateText(first, t), first.code ? String(first.code) : ''].filter(Boolean).join(' ');
      const reason = reasonOf(first, t);
      throw new CliError(reason ? 'cli.resync.refused_reason' : 'cli.resync.refused', { count: bad.length, total: job.total, mac: first.mac, outcome, reason });
    });
}
