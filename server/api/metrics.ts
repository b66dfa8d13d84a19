// GET /metrics on the admin listener: Prometheus text of this process and its phone workers.
// With CADRAN_METRICS_TOKEN set, the scraper must send `Authorization: Bearer <token>` (compared
// in constant time); without it, whoever reaches the admin listener (127.0.0.1 by default) may
// read the counters — they hold no secret, only counts.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Metrics } from '../metrics.ts';
import type { Logger } from '../log.ts';
import { translate } from '../i18n/catalogue.ts';
import { langFromAcceptLanguage } from '../i18n/lang.ts';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function metricsHandler(metrics: Metrics, token: string | null, log: Pick<Logger, 'error'>): RequestHandler {
  return (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const say = (key: string): string => `${translate(langFromAcceptLanguage(req.headers['accept-language']), key)}\n`;
    if (token !== null) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m || !sameToken(m[1]!, token)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="cadran metrics"');
        res.type('text/plain').send(say('metrics.unauthorized'));
        return;
      }
    }
    metrics.text().then(
      (text) => {
        res.type(metrics.contentType).send(text);
      },
      (err: unknown) => {
        log.error({ err }, 'collecting metrics failed');
        res.status(500).type('text/plain').send(say('metrics.failed'));
      },
    );
  };
}
