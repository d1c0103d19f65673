import helmet from 'helmet';
import type { Express, Request, RequestHandler } from 'express';

/**
 * The editor's Content-Security-Policy. The built editor is one origin's own files: module scripts
 * (no inline script, no eval), stylesheets, a data: favicon. React and React Flow set styles through
 * the CSSOM (element.style), which CSP does not govern, so no 'unsafe-inline' is needed anywhere;
 * the Chromium test in engine/test/web-security.test.ts watches for any violation.
 */
export const EDITOR_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/** Parses FLIGHTDECK_TRUST_PROXY into Express's `trust proxy` value: unset/false = trust nobody. */
export function trustProxySetting(raw: string | undefined): boolean | number | string {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value; // "loopback", "10.0.0.0/8, 127.0.0.1": Express (proxy-addr) validates the list
}

/**
 * Cookies carry `Secure` when this request came over HTTPS: directly, or through a proxy that we trust
 * (`trust proxy`) and that said so in X-Forwarded-Proto; or whenever the public URL is https.
 */
export function secureCookies(req: Request): boolean {
  return req.secure || /^https:/i.test(process.env.FLIGHTDECK_PUBLIC_URL ?? '');
}

/**
 * helmet's headers on every response (API, editor, one-click pages): CSP, frame-ancestors 'none' plus
 * X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer, HSTS only over HTTPS, no cross-origin openers.
 * A route that sets its own CSP (the one-click approval page) still gets frame-ancestors 'none' and
 * base-uri 'none' added, so no page of ours can be framed whatever its own policy says.
 */
export function installSecurityHeaders(app: Express): void {
  app.set('trust proxy', trustProxySetting(process.env.FLIGHTDECK_TRUST_PROXY));
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: EDITOR_CSP },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  const handler: RequestHandler = (req, res, next) => {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) => setHeader(name, /^content-security-policy$/i.test(name) ? unframeable(value) : value);
    headers(req, res, (err?: unknown) => (err || !req.secure ? next(err) : hsts(req, res, next)));
  };
  app.use(handler);
}

function unframeable(value: number | string | readonly string[]): string | readonly string[] | number {
  if (typeof value !== 'string') return value;
  let policy = value;
  if (!/(^|;)\s*frame-ancestors\s/i.test(policy)) policy += "; frame-ancestors 'none'";
  if (!/(^|;)\s*base-uri\s/i.test(policy)) policy += "; base-uri 'none'";
  return policy;
}
