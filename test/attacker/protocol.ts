/**
 * The constants of the peer wire protocol, as docs/wire-protocol.md states
 * them: signing contexts, transcript labels, the session metadata key, the
 * multicast defaults and the size limits a peer enforces.
 */

export const PROTOCOL_VERSION = 1;

/** Ed25519 signatures over announcements cover this prefix, then the Announcement bytes. */
export const ANNOUNCE_CONTEXT = 'peerlab/announce/v1';
/** Ed25519 signatures over group messages cover this prefix, then the GroupBody bytes. */
export const GROUP_CONTEXT = 'peerlab/group/v1';
/** Labels that open the handshake transcripts. */
export const HS_INIT_LABEL = 'peerlab/hs-init/v1';
export const HS_REPLY_LABEL = 'peerlab/hs-reply/v1';
/** HKDF-SHA256 info of the session keys. */
export const SESSION_KEY_INFO = 'peerlab/session/v1';
/** gRPC metadata key of a Session stream: the hex session id from the handshake reply. */
export const SESSION_METADATA_KEY = 'x-peerlab-session';

/** LAN discovery defaults (239.255.0.0/16 is the organization-local scope). */
export const MULTICAST_DEFAULTS = { group: '239.255.77.77', port: 47474 } as const;

/** What a peer accepts from a remote, in bytes unless said otherwise. */
export const WIRE_LIMITS = {
  /** A whole SignedAnnouncement datagram (and body + signature on Exchange). */
  announcementBytes: 1200,
  knownPeersPerAnnouncement: 16,
  nameBytes: 64,
  hostBytes: 255,
  messageTextBytes: 16 * 1024,
  messageIdBytes: 64,
  /** One SealedFrame's ciphertext. */
  frameBytes: 256 * 1024,
  itemsPerFrame: 256,
} as const;
