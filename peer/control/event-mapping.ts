/**
 * Peer events to and from the control API's Event message, so the JSON
 * lines of the CLI and the gRPC stream say the same thing.
 */
import type { Event as ControlEvent } from '../../proto/gen/peerlab/control/v1/control.pb.js';
import type { PeerEvent } from '../events.js';

/** A peer event as a control API Event; undefined for events the stream does not carry (ready). */
export function toControlEvent(event: PeerEvent): ControlEvent | undefined {
  const atMs = event.atMs;
  switch (event.type) {
    case 'peer_up':
    case 'peer_down': {
      const value = { peerId: event.peerId, peerName: event.peerName, host: event.host, grpcPort: event.grpcPort };
      return { atMs, kind: event.type === 'peer_up' ? { $case: 'peerUp', value } : { $case: 'peerDown', value } };
    }
    case 'session_up':
      return {
        atMs,
        kind: {
          $case: 'sessionUp',
          value: { peerId: event.peerId, peerName: event.peerName, handshakeMs: event.handshakeMs, initiator: event.initiator, reason: '' },
        },
      };
    case 'session_down':
      return {
        atMs,
        kind: {
          $case: 'sessionDown',
          value: { peerId: event.peerId, peerName: event.peerName, handshakeMs: 0, initiator: false, reason: event.reason },
        },
      };
    case 'message':
      return {
        atMs,
        kind: {
          $case: 'message',
          value: {
            messageId: event.messageId,
            fromId: event.fromId,
            fromName: event.fromName,
            text: event.text,
            sentAtMs: event.sentAtMs,
            nameVerified: event.nameVerified ?? false,
          },
        },
      };
    case 'delivered':
      return { atMs, kind: { $case: 'delivered', value: { messageId: event.messageId, toId: event.toId, toName: event.toName } } };
    case 'name_conflict': {
      const { type: _type, atMs: _at, ...value } = event;
      return { atMs, kind: { $case: 'nameConflict', value } };
    }
    case 'error':
      return { atMs, kind: { $case: 'error', value: { code: event.code, message: event.message } } };
    case 'group_message': {
      const { type: _type, atMs: _at, nameVerified, ...value } = event;
      return { atMs, kind: { $case: 'groupMessage', value: { ...value, nameVerified: nameVerified ?? false } } };
    }
    case 'ready':
      return undefined;
  }
}

/** A control API Event back as a peer event (the lab's side of the stream). */
export function fromControlEvent(event: ControlEvent): PeerEvent | undefined {
  const atMs = event.atMs;
  const kind = event.kind;
  switch (kind?.$case) {
    case 'peerUp':
    case 'peerDown':
      return { type: kind.$case === 'peerUp' ? 'peer_up' : 'peer_down', atMs, ...kind.value };
    case 'sessionUp':
      return { type: 'session_up', atMs, peerId: kind.value.peerId, peerName: kind.value.peerName, handshakeMs: kind.value.handshakeMs, initiator: kind.value.initiator };
    case 'sessionDown':
      return { type: 'session_down', atMs, peerId: kind.value.peerId, peerName: kind.value.peerName, reason: kind.value.reason };
    case 'message':
      return { type: 'message', atMs, ...kind.value };
    case 'delivered':
      return { type: 'delivered', atMs, ...kind.value };
    case 'nameConflict':
      return { type: 'name_conflict', atMs, ...kind.value };
    case 'error':
      return { type: 'error', atMs, ...kind.value };
    case 'groupMessage':
      return { type: 'group_message', atMs, ...kind.value };
    default:
      return undefined;
  }
}
