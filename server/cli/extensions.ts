// Commands added by feature modules (import, resync): one line each.
import type { Command } from 'commander';

export const cliExtensions: Array<(program: Command) => void> = [];
