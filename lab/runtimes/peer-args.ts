/** The `peerlab peer` arguments every runtime gives a lab peer for its settings. */
import { settingArgs } from '../../peer/cli/peer-flags.js';
import { LAB_PEER_DEFAULTS } from '../scenario/peer-fields.js';
import type { PeerSettings } from '../scenario/types.js';

/** The lab's defaults, then the scenario's settings, then `args` verbatim (so they win). */
export function labPeerArgs(settings: PeerSettings, connectOnDiscovery = false): string[] {
  const { args = [], ...values } = settings;
  return [...settingArgs({ ...LAB_PEER_DEFAULTS, ...values, connectOnDiscovery }), ...args];
}
