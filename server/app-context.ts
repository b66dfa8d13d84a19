// Everything a listener, page or command needs, built once by the composition root (app.ts):
// the installation's state lives here as handles, not in module variables.
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Store } from './store/types.ts';
import type { ChangeFeed } from './service/changes.ts';
import type { ServiceDeps } from './service/context.ts';
import type { AuthService } from './auth/service.ts';
import type { PhoneFetches } from './provision/activity.ts';
import type { ResyncService } from './resync/service.ts';
import type { FleetState } from './provision/fleet.ts';
import type { NetworkProfile, TemplateSource } from '../vendors/types.ts';
import type { ImportLimiter } from './imports/limiter.ts';
import type { Metrics } from './metrics.ts';
import type { OverridableTemplates } from './provision/template-overrides.ts';

export interface AppContext extends ServiceDeps {
  config: Config;
  log: Logger;
  store: Store;
  changes: ChangeFeed;
  /** The installation level of the phone profile (config `defaults`, CADRAN_DEFAULT_LOCALE, fr-FR). */
  defaults: NetworkProfile;
  auth: AuthService;
  templates: TemplateSource & { generation?(): number } & OverridableTemplates;
  /** Files provisioned phones fetched, once recorded (the resync engine follows them). */
  fetches: PhoneFetches;
  /** Resync jobs of this installation; NOTIFYs go out while it is started (server, `cadran resync`). */
  resync: ResyncService;
  /** CSV imports running at once in this process (one per person, a few in total). */
  imports: ImportLimiter;
  /** Prometheus metrics of this process (and, in a server, of its phone workers): GET /metrics. */
  metrics: Metrics;
  /** Whether each phone has fetched the latest version of its files (config state). */
  fleet: FleetState;
}
