import type { Request, RequestHandler, Response } from 'express';
import { existsSync, readdirSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { chooseEncoding, type Precompressed } from './accept-encoding.ts';
import { HttpProblem, sendProblem } from './problem.ts';
import { said } from '@flightdeck/workflows';

/** Vite names every file under assets/ by its content hash, so a name never changes meaning. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashes: the browser must ask each time (a 304 when unchanged). */
export const REVALIDATE = 'no-cache';

const SUFFIX: Record<Precompressed, string> = { br: '.br', gzip: '.gz' };

interface Asset {
  file: string;
  encodings: Precompressed[];
}

/**
 * The built editor's files by URL path, listed once when the app starts. A request only ever looks a path up
 * in this table, so no URL, however it is encoded, can name a file outside the build.
 */
export function listEditorFiles(dist: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !/\.(br|gz)$/.test(entry.name)) {
        const encodings = (Object.keys(SUFFIX) as Precompressed[]).filter((e) => existsSync(path + SUFFIX[e]));
        files.set('/' + relative(dist, path).split(sep).join('/'), { file: path, encodings });
      }
    }
  };
  walk(dist);
  return files;
}

function decodedPath(req: Request): string | undefined {
  try {
    return decodeURIComponent(req.path);
  } catch {
    return undefined; // a malformed escape names nothing we have
  }
}

function send(req: Request, res: Response, asset: Asset, cacheControl: string): void {
  const encoding = chooseEncoding(req.get('accept-encoding'), asset.encodings);
  res.vary('Accept-Encoding');
  res.setHeader('cache-control', cacheControl);
  res.type(extname(asset.file));
  if (encoding) res.setHeader('content-encoding', encoding);
  const file = encoding ? asset.file + SUFFIX[encoding] : asset.file;
  // The file was listed at start; dotfiles are allowed because the checkout itself may sit under one.
  res.sendFile(file, { cacheControl: false, dotfiles: 'allow' }, (err) => {
    if (!err || res.headersSent) return;
    res.removeHeader('content-encoding'); // removed since the start (a rebuild): say so plainly
    res.setHeader('cache-control', REVALIDATE);
    sendProblem(res, new HttpProblem(404, 'Not found', said('no_file', { path: req.path })));
  });
}

/**
 * Serves the built editor: hashed assets cached for a year, index.html (also for any other page path, the SPA
 * fallback) revalidated each time; each in brotli or gzip as written at build time when the client accepts it.
 */
export function editorAssets(dist: string): RequestHandler {
  const files = listEditorFiles(dist);
  const index = files.get('/index.html');
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = decodedPath(req);
    const asset = path === undefined ? undefined : files.get(path === '/' ? '/index.html' : path);
    if (asset) return send(req, res, asset, path!.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);
    // A missing asset must not turn into index.html: a browser would run HTML as a script.
    if (path === undefined || req.path.startsWith('/assets/') || !index) {
      return sendProblem(res, new HttpProblem(404, 'Not found', said('no_file', { path: req.path })));
    }
    return send(req, res, index, REVALIDATE);
  };
}
