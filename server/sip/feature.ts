// Resync as a server feature: the API routes, and while the server runs the SIP socket and the
// engine (jobs left unsent by the last run are queued again at start).
import type { Feature } from '../app.ts';
import { resyncRouter } from '../api/routes/resync.ts';
import { startResync } from './service.ts';

export const resyncFeature: Feature = {
  name: 'resync',
  admin: { api: [resyncRouter] },
  async start(app) {
    const runtime = await startResync(app, { recover: true });
    return runtime.close;
  },
};
