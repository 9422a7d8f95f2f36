/**
 * The one control server of a `peerlab host`: the Control service of every hosted peer,
 * each call routed by the peer its metadata names (`x-peerlab-peer: NAME`), and the Host
 * service (host.proto) to list, start, stop, crash and pause them — one port, one token.
 */
import * as grpc from '@grpc/grpc-js';
import {
  HostedPeerState,
  HostService,
  StopMode,
  type HostedPeer,
  type HostStatsResponse,
  type ListHostedPeersResponse,
  type PeerNameRequest,
  type StartPeerRequest,
  type StopPeerRequest,
} from '../../proto/gen/peerlab/control/v1/host.pb.js';
import { ControlCallError, ControlServer, guardedUnary, type PeerRouter } from '../control/control-server.js';
import { PEER_METADATA_KEY } from '../control/peer-metadata.js';
import { hostRequestProblem, type HostMethod } from '../control/request-limits.js';
import { quote } from '../limits.js';
import { HostError, type HostedPeerView, type HostedState, type PeerHost } from './peer-host.js';


const STATES: Record<HostedState, HostedPeerState> = {
  starting: HostedPeerState.HOSTED_PEER_STATE_STARTING,
  running: HostedPeerState.HOSTED_PEER_STATE_RUNNING,
  paused: HostedPeerState.HOSTED_PEER_STATE_PAUSED,
  stopping: HostedPeerState.HOSTED_PEER_STATE_STOPPING,
  stopped: HostedPeerState.HOSTED_PEER_STATE_STOPPED,
};

/** A HostError as the status a client can act on. */
function callError(err: unknown): unknown {
  if (!(err instanceof HostError)) return err;
  const code = err.kind === 'not_found' ? grpc.status.NOT_FOUND : err.kind === 'invalid' ? grpc.status.INVALID_ARGUMENT : grpc.status.FAILED_PRECONDITION;
  return new ControlCallError(code, err.message);
}

/** Finds the hosted peer a Control call names. */
function routeByPeer(host: PeerHost): PeerRouter {
  return (metadata) => {
    const name = String(metadata.get(PEER_METADATA_KEY)[0] ?? '');
    if (name === '') {
      throw new ControlCallError(
        grpc.status.INVALID_ARGUMENT,
        `this control API serves a host of peers: name one in the metadata "${PEER_METADATA_KEY}: NAME" (peers: ${host.names()})`,
      );
    }
    try {
      return host.running(name);
    } catch (err) {
      throw callError(err);
    }
  };
}

function view(peer: HostedPeerView): HostedPeer {
  return { ...peer, state: STATES[peer.state] };
}

/** One Host method: token, field limits, HostErrors as statuses. */
function hostUnary<Req extends object, Res>(token: Buffer, method: HostMethod, handle: (request: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return guardedUnary<Req, Res>(
    token,
    (request) => hostRequestProblem(method, request),
    async (request) => {
      try {
        return await handle(request);
      } catch (err) {
        throw callError(err);
      }
    },
  );
}

/** The hosted peer `name` as listed, after an operation on it. */
function listed(host: PeerHost, name: string): HostedPeer {
  const found = host.list().find((p) => p.name === name);
  if (!found) throw new HostError('not_found', `no peer ${quote(name)} in this host`);
  return view(found);
}

/** Serves `host`'s peers and the Host service on host:port (0 picks one). */
export function serveHostControl(host: PeerHost, options: { host: string; port: number; token: string }): Promise<ControlServer> {
  return ControlServer.serve({
    ...options,
    route: routeByPeer(host),
    addServices: (server, token, port) => {
      server.addService(HostService, {
        listHostedPeers: hostUnary(token, 'listHostedPeers', (): ListHostedPeersResponse => ({ peers: host.list().map(view), controlPort: port() })),
        startPeer: hostUnary(token, 'startPeer', async (request: StartPeerRequest) => {
          await host.start(request.name, request.grpcPort);
          return listed(host, request.name);
        }),
        stopPeer: hostUnary(token, 'stopPeer', async (request: StopPeerRequest) => {
          await host.stop(request.name, request.mode === StopMode.STOP_MODE_CRASH ? 'crash' : 'graceful');
          return listed(host, request.name);
        }),
        pausePeer: hostUnary(token, 'pausePeer', (request: PeerNameRequest) => {
          host.pause(request.name);
          return listed(host, request.name);
        }),
        unpausePeer: hostUnary(token, 'unpausePeer', (request: PeerNameRequest) => {
          host.unpause(request.name);
          return listed(host, request.name);
        }),
        stats: hostUnary(token, 'stats', (): HostStatsResponse => hostStats(host)),
      });
    },
  });
}

/** The process's memory and CPU, which every hosted peer shares, and each peer's own load. */
function hostStats(host: PeerHost): HostStatsResponse {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const states = new Map(host.list().map((p) => [p.name, p.state]));
  const running = host.peers();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    uptimeMs: Math.round(process.uptime() * 1000),
    peersRunning: running.length,
    peers: running.map((peer) => ({ name: peer.options.name, state: STATES[states.get(peer.options.name) ?? 'running'], ...peer.load() })),
  };
}
