// Commands added by feature modules (import, resync): one line each.
import type { Command } from 'commander';
import { registerImportCommand } from './import.ts';
import { registerResyncCommand } from './resync.ts';

export const cliExtensions: Array<(program: Command) => void> = [registerImportCommand, registerResyncCommand];
