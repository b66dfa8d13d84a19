import type { Command } from 'commander';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { createAppContext, startServer } from '../app.ts';
import { createLogger, flushLogger } from '../log.ts';
import { features } from '../features.ts';
import { createOperator } from './operator.ts';
import { CliError, cliTranslator, localActor } from './common.ts';

/** A host to put in an example URL: a wildcard listener is reached on loopback; IPv6 in brackets. */
function adminHostForUrl(host: string): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

/** The setting of a port a listener could not take (EADDRINUSE, EACCES), to name it in the error. */
function portSetting(config: Config, port: number): string | null {
  const settings: Array<[number | null, string]> = [
    [config.httpPort, 'CADRAN_HTTP_PORT'], [config.httpsPort, 'CADRAN_HTTPS_PORT'], [config.tftpPort, 'CADRAN_TFTP_PORT'],
    [config.adminPort, 'CADRAN_ADMIN_PORT'], [config.sip.bindPort, 'CADRAN_SIP_PORT'],
  ];
  return settings.find(([p]) => p === port)?.[1] ?? null;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve phones (HTTP, TFTP), the admin REST API and the web UI')
    .action(async () => {
      const config = loadConfig();
      // One line per phone request: written asynchronously, off the request path (server/log.ts).
      const app = await createAppContext(config, createLogger(config.logLevel, { async: true }));
      let running: Awaited<ReturnType<typeof startServer>>;
      try {
        running = await startServer(app, features);
      } catch (e) {
        // The most common deployment mistake, said as such (it was "erreur inattendue").
        const err = e as NodeJS.ErrnoException & { port?: number };
        const port = err.port ?? Number(/:(\d+)\b(?!.*:\d)/.exec(err.message ?? '')?.[1]);
        if ((err.code === 'EADDRINUSE' || err.code === 'EACCES') && Number.isFinite(port)) {
          await app.store.close().catch(() => undefined);
          throw new CliError(err.code === 'EADDRINUSE' ? 'cli.serve.port_in_use' : 'cli.serve.port_denied', { port: String(port), setting: portSetting(config, port) ?? '?' });
        }
        throw e;
      }
      // First start, once the listeners run: an operator credential, so the installation can be
      // used at all. Standard output is the JSON log stream (collected, kept): the credentials go
      // to a file only this account reads, and to the terminal when there is one.
      if ((await app.store.operators.count()) === 0) {
        const { password, token } = await createOperator(app, 'admin', undefined, localActor());
        const t = cliTranslator();
        const banner = [
          t('cli.serve.first_start', { login: 'admin' }),
          `  ${t('cli.serve.first_login', { login: 'admin', password })}`,
          `  ${t('cli.serve.first_token', { token })}`,
          `  ${t('cli.serve.first_example', { command: `curl -H "Authorization: Bearer ${token}" ${running.adminScheme}://${adminHostForUrl(config.adminHost)}:${running.adminPort}/api/v1/tenants` })}`,
          t('cli.serve.first_once'),
        ].join('\n') + '\n';
        const file = join(config.dataDir, 'first-start.txt');
        try {
          // A file left by an earlier installation keeps its mode: made anew, 0600.
          rmSync(file, { force: true });
          writeFileSync(file, banner, { mode: 0o600, flag: 'wx' });
          process.stderr.write(`\n${t('cli.serve.first_file', { login: 'admin', file })}\n`);
          if (process.stderr.isTTY) process.stderr.write(`${banner}\n`);
        } catch (err) {
          // The account exists now: its password must not be lost (no data directory with
          // PostgreSQL, a read-only one…). Said on standard error, still not in the log stream.
          process.stderr.write(`\n${t('cli.serve.first_file_failed', { file, reason: (err as Error).message })}\n${banner}\n`);
        }
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, 'stopping');
        await running.close();
        await flushLogger(app.log);
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
