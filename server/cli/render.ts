import type { Command } from 'commander';
import { normalizeMac, formatMac } from '../domain/mac.ts';
import { bootFilesOf, renderDeviceFile } from '../provision/render.ts';
import { CliError, cliTranslator, publicRoot, withLocalApp } from './common.ts';

export function registerRenderCommand(program: Command): void {
  program
    .command('render <mac> [file]')
    .description('print what the phone with this MAC would receive (every boot file when no file is named)')
    .action(async (rawMac: string, file: string | undefined) => {
      await withLocalApp(async (app) => {
        const mac = normalizeMac(rawMac);
        if (!(await app.store.devices.get(mac))) throw new CliError('not_found.device', { mac: formatMac(mac) });
        const files = file ? [file] : await bootFilesOf(app, mac);
        for (const name of files) {
          const out = await renderDeviceFile(app, mac, name, publicRoot(app));
          if (!out) throw new CliError('cli.render.not_served', { file: name });
          if (file) process.stdout.write(out.body);
          else {
            process.stdout.write(`===== ${cliTranslator()('cli.render.file_header', { file: name, type: out.contentType, bytes: out.body.length })} =====\n`);
            process.stdout.write(out.body);
            if (!out.body.toString('utf8').endsWith('\n')) process.stdout.write('\n');
          }
        }
      });
    });
}
