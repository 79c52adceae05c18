// A tiny static file server for the browser test: serves a site directory
// on 127.0.0.1 (gzip when the client accepts it, as a real host would) and
// counts the bytes it sends so the test can report what each query costs.
//
//   node tests/js/server.mjs <site-dir> [port]     serve until interrupted
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Starts serving `dir`; resolves to {url, stats, close}. `stats.bytes` and
 *  `stats.requests` grow with every response body sent. `gzip: false`
 *  sends every file as stored, to count raw bytes. */
export async function serve(dir, port = 0, { gzip = true } = {}) {
  const root = resolve(dir);
  const stats = { bytes: 0, requests: 0, log: [] };
  const server = createServer(async (req, res) => {
    const send = (status, type, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length, ...headers });
      res.end(body);
      stats.bytes += body.length;
      stats.requests += 1;
      stats.log.push([req.url, body.length]);
    };
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) return send(403, 'text/plain', Buffer.from('forbidden'));
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const type = TYPES[extname(file)] || 'application/octet-stream';
      if (gzip && /\bgzip\b/.test(req.headers['accept-encoding'] || '') && /text|json|javascript|xml|svg/.test(type)) {
        send(200, type, gzipSync(body), { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
      } else {
        send(200, type, body);
      }
    } catch {
      send(404, 'text/plain', Buffer.from('not found'));
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, stats, close: () => new Promise((ok) => server.close(ok)) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const site = process.argv[2] || 'public';
  const { url } = await serve(site, Number(process.argv[3] || 8000));
  console.log(`serving ${site} at ${url}`);
}
