// The web cockpit as a feature of the admin listener.
import type { Feature } from '../app.ts';
import { webRouter } from './router.ts';

export const webFeature: Feature = {
  name: 'web',
  admin: { web: webRouter },
};
