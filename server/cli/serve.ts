import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createAppContext, startServer } from '../app.ts';
import { createLogger, flushLogger } from '../log.ts';
import { features } from '../features.ts';
import { createOperator } from './operator.ts';
import { cliTranslator, localActor } from './common.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve phones (HTTP, TFTP), the admin REST API and the web UI')
    .action(async () => {
      const config = loadConfig();
      // One line per phone request: written asynchronously, off the request path (server/log.ts).
      const app = await createAppContext(config, createLogger(config.logLevel, { async: true }));
      // First start: an operator credential, printed once, so the installation can be used at all.
      if ((await app.store.operators.count()) === 0) {
        const { password, token } = await createOperator(app, 'admin', undefined, localActor());
        const t = cliTranslator();
        process.stdout.write(
          [
            '',
            t('cli.serve.first_start', { login: 'admin' }),
            `  ${t('cli.serve.first_login', { login: 'admin', password })}`,
            `  ${t('cli.serve.first_token', { token })}`,
            `  ${t('cli.serve.first_example', { command: `curl -H "Authorization: Bearer ${token}" http://${config.adminHost}:${config.adminPort}/api/v1/tenants` })}`,
            t('cli.serve.first_once'),
            '',
          ].join('\n') + '\n',
        );
      }
      const running = await startServer(app, features);
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
