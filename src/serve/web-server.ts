/**
 * The static server behind `c3d serve`: the browser page (dist/web) and, optionally, a folder of the
 * user's files under /files/ (same origin, so the page opens local videos and weights by URL). Every
 * response carries the cross-origin isolation headers (COOP same-origin, COEP require-corp, CORP
 * same-origin) that SharedArrayBuffer, and so WebAssembly threads, need. GET/HEAD only, byte ranges
 * (video seeking), no directory listings, and no path outside the served folders (`..`, symlinks).
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built page (tools/build-web.mjs writes it): dist/web next to dist/src. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** URL prefix under which `files` is served. */
export const FILES_PREFIX = '/files/';

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.ogv': 'video/ogg',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
};

/** Headers every response carries: cross-origin isolation for the page, and its files usable by it. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export class ServeError extends Error {
  override name = 'ServeError';
}

export interface WebServerOptions {
  /** TCP port; 0 (default) = any free port. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: the page is for this machine). */
  host?: string;
  /** A folder served under /files/. */
  files?: string;
  /** The page's folder (default WEB_ROOT). */
  root?: string;
}

export interface WebServer {
  server: Server;
  /** http://host:port/ */
  url: string;
  close(): Promise<void>;
}

function checkFolder(dir: string, what: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ServeError(`${what} ${dir} is not a folder`);
  return realpathSync(dir);
}

/** The file under `root` that URL path `rel` names, or undefined (missing, a folder, or outside root). */
export function resolveInside(root: string, rel: string): string | undefined {
  const parts = rel.split('/');
  if (parts.some((p) => p === '..' || p.includes('\\') || p.includes('\0'))) return undefined;
  const path = join(root, ...parts.filter((p) => p !== '' && p !== '.'));
  if (!existsSync(path)) return undefined;
  const real = realpathSync(path);
  if (real !== root && !real.startsWith(root + sep)) return undefined; // a symlink out of the folder
  return statSync(real).isFile() ? real : undefined;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function serveFile(req: IncomingMessage, res: ServerResponse, path: string): void {
  const size = statSync(path).size;
  const headers: Record<string, string | number> = {
    ...ISOLATION_HEADERS,
    'Content-Type': MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
  };
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] !== '' || range[2] !== '')) {
    if (range[1] === '') start = Math.max(0, size - Number(range[2]));
    else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(end, Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { ...ISOLATION_HEADERS, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  createReadStream(path, { start, end }).on('error', () => res.destroy()).pipe(res);
}

/** Starts the server; resolves once it listens (`url` has the real port when port 0 was asked). */
export async function startWebServer(o: WebServerOptions = {}): Promise<WebServer> {
  const root = o.root ?? WEB_ROOT;
  if (!existsSync(join(root, 'index.html'))) throw new ServeError(`the page is not built (${join(root, 'index.html')} missing): run npm run build`);
  const webRoot = checkFolder(root, 'page folder');
  const filesRoot = o.files === undefined ? undefined : checkFolder(o.files, '--files');
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad path\n');
    }
    let file: string | undefined;
    if (path.startsWith(FILES_PREFIX)) file = filesRoot && resolveInside(filesRoot, path.slice(FILES_PREFIX.length));
    else file = resolveInside(webRoot, path === '/' ? 'index.html' : path);
    if (!file) return send(res, 404, 'not found\n');
    serveFile(req, res, file);
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new ServeError(e.code === 'EADDRINUSE' ? `port ${o.port} is in use (--port 0 picks a free one)` : `cannot listen on ${host}:${o.port ?? 0}: ${e.message}`)),
    );
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
