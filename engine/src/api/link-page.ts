import type { Response } from 'express';
import { LinkError } from '../auth/links.ts';
import { problemFromError } from './problem.ts';

/** The small HTML pages one-click e-mail links open (approvals, alert acknowledgements): no scripts, posting only to us. */

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function page(res: Response, status: number, body: string, title = 'Flightdeck approval') {
  res
    .status(status)
    .type('html')
    .setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .setHeader('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>` +
        `<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#0f172a}` +
        `button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:0;color:#fff;background:#2563eb}` +
        `button.reject{background:#be123c}textarea{width:100%;min-height:6rem;font:inherit}.err{color:#be123c}</style>` +
        `</head><body>${body}</body></html>`,
    );
}

/** A bad or expired link, or the service's refusal, as a page; anything else is our fault and goes to the error handler. */
export function linkFailure(res: Response, err: unknown, title?: string) {
  if (err instanceof LinkError)
    return page(res, err.reason === 'expired' ? 410 : 400, `<h1>Link not valid</h1><p class="err">${esc(err.message)}</p>`, title);
  const problem = problemFromError(err);
  if (problem) return page(res, problem.status, `<h1>${esc(problem.title)}</h1><p class="err">${esc(problem.detail ?? '')}</p>`, title);
  throw err;
}
