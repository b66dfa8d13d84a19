// The feature modules plugged into the server: each adds admin routes and/or background parts.
// A new feature is one line here.
import type { Feature } from './app.ts';
import { webFeature } from './web/feature.ts';
import { phoneFeature } from './phone/feature.ts';
import { importsFeature } from './imports/feature.ts';
import { resyncFeature } from './sip/feature.ts';

export const features: Feature[] = [webFeature, phoneFeature, importsFeature, resyncFeature];
