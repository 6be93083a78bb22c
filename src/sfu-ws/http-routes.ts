import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { sfuLog } from './log.js';

/** Largest request body read (room options, invites). */
export const MAX_BODY_BYTES = 4096;

/** An HTTP refusal with its status and a stable code. */
export class HttpRefusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

/** What the routes call into (the server). */
export interface SfuHttpHandlers {
  page: string | Buffer | undefined;
  hostSecret: string | undefined;
  /** `POST /rooms` */
  createRoom(body: Record<string, unknown>, base: string): Promise<unknown>;
  /** `POST /rooms/:room/join` */
  join(room: string, body: Record<string, unknown>): Promise<unknown>;
  /** `GET /stats` */
  stats(): Promise<unknown>;
  /** `GET /rooms` (the room directory: every node's rooms in a cluster) */
  listRooms(): Promise<unknown>;
  /** `GET /metrics` */
  metrics(): Promise<string>;
}

/** True when `given` equals `secret`, in constant time. */
export function secretMatches(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpRefusal(413, 'too-large', `bodies are limited to ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString());
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new HttpRefusal(400, 'bad-json', 'the body must be a JSON object'));
      }
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

const json = (res: ServerResponse, status: number, v: unknown): void => send(res, status, 'application/json', JSON.stringify(v));

/**
 * The HTTP side of the SFU:
 * - `GET /` the page;
 * - `POST /rooms` (Authorization: Bearer host secret, when one is set) → host and participant links;
 * - `POST /rooms/:room/join` with `{ invite }` → a single-use join token;
 * - `GET /rooms` (host secret, when one is set) → the room directory without invites;
 * - `GET /stats` JSON, `GET /metrics` Prometheus text.
 */
export async function routeHttp(req: IncomingMessage, res: ServerResponse, h: SfuHttpHandlers): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://sfu');
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/' || path === '/index.html') && h.page !== undefined) return send(res, 200, 'text/html; charset=utf-8', h.page);
    if (req.method === 'GET' && path === '/stats') return json(res, 200, await h.stats());
    if (req.method === 'GET' && path === '/metrics') return send(res, 200, 'text/plain; version=0.0.4', await h.metrics());
    if (path === '/rooms' && (req.method === 'POST' || req.method === 'GET')) {
      if (h.hostSecret !== undefined) {
        const auth = req.headers.authorization;
        const given = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
        if (!secretMatches(given, h.hostSecret)) throw new HttpRefusal(401, 'unauthorized', `${req.method} /rooms needs the host secret`);
      }
      if (req.method === 'GET') return json(res, 200, await h.listRooms());
      const base = `http://${req.headers.host ?? 'localhost'}`;
      return json(res, 201, await h.createRoom(await readBody(req), base));
    }
    const m = /^\/rooms\/([A-Za-z0-9_-]{1,64})\/join$/.exec(path);
    if (req.method === 'POST' && m) return json(res, 200, await h.join(m[1]!, await readBody(req)));
    throw new HttpRefusal(404, 'not-found', 'not found');
  } catch (err) {
    if (err instanceof HttpRefusal) return json(res, err.status, { error: err.code, message: err.message });
    sfuLog.warn(`http ${req.method} ${req.url}: ${(err as Error).message}`);
    json(res, 500, { error: 'internal', message: 'internal error' });
  }
}
