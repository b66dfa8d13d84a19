// Everything a listener or command needs, built once by the composition root (app.ts).
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Store } from './store/types.ts';
import type { ChangeFeed } from './service/changes.ts';
import type { AuthService } from './auth/service.ts';
import type { TemplateSource } from '../vendors/types.ts';
import type { ServiceDeps } from './service/context.ts';

export interface AppContext extends ServiceDeps {
  config: Config;
  log: Logger;
  store: Store;
  changes: ChangeFeed;
  auth: AuthService;
  templates: TemplateSource & { generation?(): number };
}
