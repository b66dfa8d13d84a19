#!/usr/bin/env node
// Entry point of the `cadran` command. The sources are TypeScript run directly through tsx's
// loader, so a fresh clone needs no build step: `npm install` then `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/main.ts');
await main(process.argv);
