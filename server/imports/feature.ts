// The imports as a server feature: the API routes (the CLI command registers separately).
import type { Feature } from '../app.ts';
import { importsRouter, type ImportsRouterOptions } from '../api/routes/imports.ts';

export function makeImportsFeature(o: ImportsRouterOptions = {}): Feature {
  return { name: 'imports', admin: { api: [(app) => importsRouter(app, o)] } };
}

export const importsFeature: Feature = makeImportsFeature();
