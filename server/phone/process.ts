// The phone-serving parts one process needs, whether it is the main process (phoneWorkers = 1)
// or one of the phone workers: guard, activity recorder, phone service, HTTP(S) listeners.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PhoneMetrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import type { ChangeFeed } from '../service/changes.ts';
import type { NetworkProfile, TemplateSource } from '../../vendors/types.ts';
import { ActivityRecorder, type ActivitySink } from '../provision/activity.ts';
import { createPhoneService, type PhoneService, type PhoneServiceDeps } from '../provision/provider.ts';
import { Guard } from '../provision/guard.ts';
import { startPhoneHttp, type PhoneHttp } from './http.ts';

export interface PhoneProcessDeps {
  config: Config;
  /** The installation level of the phone profile (installationProfile of the config). */
  defaults: NetworkProfile;
  /** Logger of the phone concern. */
  log: Logger;
  store: Store;
  templates: TemplateSource & { generation?(): number };
  changes: ChangeFeed;
  digestSecret: Buffer;
  /** Where sightings and unknown phones go every second. */
  sink: ActivitySink;
  /** A block decided here (to tell the other processes). */
  onBlock?: (ip: string, untilMs: number) => void;
  /** How an enrolment fetch closes its device's window (phone workers ask the primary). */
  enrol?: (mac: string, ip: string) => Promise<boolean>;
  /** This process's counters (requests, cache, renders). */
  metrics?: PhoneMetrics;
  /** Renders offered to and taken from the other phone processes (phone workers). */
  sharing?: PhoneServiceDeps['sharing'];
}

export interface PhoneProcess {
  guard: Guard;
  service: PhoneService;
  activity: ActivityRecorder;
  /** Start the HTTP(S) listeners (`exclusive: false` when sharing the port with other workers). */
  listen(exclusive: boolean): Promise<PhoneHttp>;
  /** Where phone HTTP listens when other processes serve it (links in files fetched over TFTP). */
  setHttpPort(port: number): void;
  /** Flush pending activity (written, or sent to the primary) and stop the flusher (listeners are closed by their owner). */
  stop(): Promise<void>;
}

export function createPhoneProcess(deps: PhoneProcessDeps): PhoneProcess {
  const guard = new Guard({ ...deps.config.probe, log: deps.log, ...(deps.onBlock ? { onBlock: deps.onBlock } : {}) });
  const activity = new ActivityRecorder(deps.sink, (err) =>
    deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'recording phone activity failed'),
  );
  activity.start();
  const c = deps.config;
  let httpPort = c.httpPort;
  const service = createPhoneService({ ...deps, guard, activity, httpPort: () => httpPort });
  return {
    guard,
    service,
    activity,
    listen: async (exclusive) => {
      const http = await startPhoneHttp(service, deps.log, {
        host: c.httpHost,
        port: c.httpPort,
        https: c.httpsPort !== null && c.tlsCert && c.tlsKey ? { port: c.httpsPort, cert: c.tlsCert, key: c.tlsKey } : null,
        publicUrl: c.publicUrl,
        exclusive,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      });
      httpPort = http.port;
      return http;
    },
    setHttpPort: (port) => {
      httpPort = port;
    },
    stop: async () => {
      service.close();
      await activity.stop();
    },
  };
}
