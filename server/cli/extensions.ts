// Commands added by feature modules (import, export, resync): one line each.
import type { Command } from 'commander';
import { registerImportCommand } from './import.ts';
import { registerResyncCommand } from './resync.ts';
import { registerExportCommand } from './export.ts';

export const cliExtensions: Array<(program: Command) => void> = [registerImportCommand, registerExportCommand, registerResyncCommand];
