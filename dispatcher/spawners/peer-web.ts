/**
 * Whether this build's peer serves a web UI (`peerlab peer --web`, a row of the settings
 * table) and takes its token from a claim. Until it does, readiness is the control API
 * alone and an instance's webUrl is empty.
 */
import { CLAIMABLE_SETTINGS } from '../../peer/cli/vacant.js';
import { SETTINGS } from '../../peer/settings.js';

export const PEER_HAS_WEB = SETTINGS.some((row) => row.flag === '--web');

/** `--web LISTEN` when the peer has a web UI, else nothing. */
export function webArgs(listen: string): string[] {
  return PEER_HAS_WEB ? ['--web', listen] : [];
}

/** The web token setting for a claim, when the peer takes one. */
export function webTokenSetting(token: string): { 'web.token'?: string } {
  return CLAIMABLE_SETTINGS.includes('web.token') ? { 'web.token': token } : {};
}
