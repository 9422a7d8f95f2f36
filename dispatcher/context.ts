/** What every route handler of the dispatcher works with. */
import type { FailureLimiter } from './auth/rate-limit.js';
import type { SessionAuth } from './auth/session-auth.js';
import type { Activity } from './culling/activity.js';
import type { IdleCuller } from './culling/culler.js';
import type { EventSink } from './events.js';
import type { PeerPool } from './pool/pool.js';
import type { OpenSockets } from './proxy/open-sockets.js';
import type { UsersStore } from './users/users-file.js';

export interface DispatcherContext {
  auth: SessionAuth;
  users: UsersStore;
  pool: PeerPool;
  activity: Activity;
  culler: IdleCuller;
  loginLimits: { perUser: FailureLimiter; perAddress: FailureLimiter };
  sockets: OpenSockets;
  emit: EventSink;
  now: () => number;
  /** Served over https: cookies are Secure, origins https://. */
  secure: boolean;
}
