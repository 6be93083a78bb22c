import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Subscription } from 'rxjs';
import { SfuServer, type RoomRecord, type SfuServerOptions } from '../sfu-ws/index.js';
import { defaultNodeId, sfuLoad, startClusterNode, type ClusterNode, type ClusterNodeOptions } from './cluster-node.js';
import { ClusterError } from './errors.js';
import { clusterLog as log } from './log.js';

export interface ClusteredSfuOptions extends Omit<ClusterNodeOptions, 'address' | 'load'> {
  /** The SFU's own options; `directory`, `locateRoom` and `nodeId` are set here. */
  sfu?: Omit<SfuServerOptions, 'directory' | 'locateRoom' | 'nodeId'>;
  /** HTTP + websocket listen address (default 127.0.0.1, port 0: any). */
  host?: string;
  port?: number;
  /** Where clients reach this node, `http(s)://host:port` (default `http://<host>:<bound port>`). Registered in Redis. */
  nodeUrl?: string;
}

/** One sfu-ws node of a cluster: its SfuServer, HTTP server and cluster membership. */
export interface ClusteredSfu {
  readonly sfu: SfuServer;
  readonly node: ClusterNode;
  readonly nodeId: string;
  /** What is registered as this node's address. */
  readonly nodeUrl: string;
  readonly address: AddressInfo;
  /** Closes the SFU (clients told `shutdown`), the HTTP server and the cluster membership. The heartbeat expires by itself (as when a node dies). */
  close(): Promise<void>;
  /** Graceful {@link close}: also deletes the heartbeat, so the other nodes re-place this node's rooms at once instead of after its TTL. */
  leave(): Promise<void>;
}

/** `http://h:p` → `ws://h:p/ws` (https → wss). */
export function websocketUrl(nodeUrl: string, path = '/ws'): string {
  return nodeUrl.replace(/^http/, 'ws').replace(/\/$/, '') + path;
}

/**
 * sfu-ws in cluster mode (`npm start -- --redis URL`, issue 17).
 *
 * - Rooms and join tokens live in Redis ({@link RedisRoomDirectory}); each room
 *   runs on one node, placed on the least loaded live one and sticky while it lives.
 * - Any node issues join tokens (`POST /rooms/:room/join`). A websocket that
 *   joins through a node that does not run the room is answered
 *   `{type:'redirect', url, token}` (the owning node's websocket and a fresh
 *   single-use token) and closed; the client reconnects there. We redirect
 *   rather than forward signalling over pub/sub: media must reach the owning
 *   node anyway (no relay between nodes), so the client may as well talk to it.
 * - A node whose heartbeat expires has its rooms re-placed by the survivors;
 *   its clients, whose websocket dropped, join again and land on the new node.
 *   A room this node runs that Redis now places elsewhere is closed here with
 *   `{type:'reconnect', room}` to its clients.
 * - Redis down: running rooms go on; new rooms and joins get 503 with
 *   `redis unavailable`; everything resumes when it returns.
 */
export async function startClusteredSfu(options: ClusteredSfuOptions): Promise<ClusteredSfu> {
  const host = options.host ?? '127.0.0.1';
  const nodeId = options.nodeId ?? defaultNodeId();
  let sfu: SfuServer | undefined;
  const http: Server = createServer((req, res) => {
    if (sfu) sfu.handleRequest(req, res);
    else res.writeHead(503).end();
  });
  http.on('upgrade', (req, socket, head) => (sfu ? sfu.handleUpgrade(req, socket, head) : socket.destroy()));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const closeHttp = (): Promise<void> => {
    http.closeAllConnections();
    return new Promise<void>((resolve) => http.close(() => resolve()));
  };
  const address = http.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const nodeUrl = (options.nodeUrl ?? `http://${shownHost}:${address.port}`).replace(/\/$/, '');
  const { sfu: sfuOptions, host: _h, port: _p, nodeUrl: _n, ...clusterOptions } = options;
  let node: ClusterNode;
  try {
    node = await startClusterNode({ ...clusterOptions, nodeId, address: nodeUrl, load: () => (sfu ? sfuLoad(sfu) : { peers: 0, rooms: 0 }) });
  } catch (err) {
    await closeHttp();
    throw err;
  }
  const path = sfuOptions?.path ?? '/ws';
  const locateRoom = async (record: RoomRecord): Promise<string | undefined> => {
    if (record.node === nodeId) return undefined;
    const owner = (await node.registry.liveNodes()).find((n) => n.id === record.node);
    if (!owner) throw new ClusterError('ERR_CLUSTER_NO_NODE', `room ${record.id} is placed on node ${record.node}, which is not live`);
    return websocketUrl(owner.address, path);
  };
  const server = new SfuServer({ ...sfuOptions, directory: node.directory, locateRoom, nodeId });
  sfu = server;
  const subs: Subscription[] = [
    node.directory.roomLost$.subscribe((room) => server.evictRoom(room)),
    // Rooms placed here through other nodes are this node's to forget when nobody joins them.
    node.directory.roomPlaced$.subscribe((r) => server.adoptRoom(r.id)),
    node.directory.roomMoved$.subscribe((m) => {
      if (m.from === nodeId) server.evictRoom(m.room);
    }),
  ];
  try {
    await server.startMedia();
  } catch (err) {
    for (const s of subs) s.unsubscribe();
    await server.close();
    node.close();
    await closeHttp();
    throw err;
  }
  log.info(`node ${nodeId} serving ${nodeUrl}`);
  let closed = false;
  const shutdown = async (leave: boolean): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const s of subs) s.unsubscribe();
    await server.close();
    if (leave) await node.registry.leave().catch((err: unknown) => log.warn('leaving the cluster failed; the heartbeat expires by itself', (err as Error).message));
    node.close();
    await closeHttp();
  };
  return {
    sfu: server,
    node,
    nodeId,
    nodeUrl,
    address,
    close: () => shutdown(false),
    leave: () => shutdown(true),
  };
}
