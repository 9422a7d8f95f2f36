/** The metadata key that names the hosted peer a Control call is for (`peerlab host`: one control API, many peers). */
export const PEER_METADATA_KEY = 'x-peerlab-peer';
