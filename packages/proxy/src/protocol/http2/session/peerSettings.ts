import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ErrorCode,
  MAX_FRAME_SIZE_LIMIT,
  MAX_WINDOW,
  SettingId,
} from '../frames/frameKinds.js';
import { DEFAULT_HEADER_TABLE_SIZE } from '../hpack/hpackDecoder.js';

/** What the peer's SETTINGS said so far (RFC 9113 §6.5.2), with the defaults before it says anything. */
export interface PeerSettings {
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
  enablePush: boolean;
  /** The most our encoder's dynamic table may take in the peer's decoder. */
  headerTableSize: number;
}

/**
 * The values every peer starts with (§6.5.2): unlimited streams and header lists, 64 KiB windows, 16 KiB frames,
 * a 4 KiB HPACK table.
 */
export function defaultPeerSettings(): PeerSettings {
  return {
    maxConcurrentStreams: Number.POSITIVE_INFINITY,
    initialWindowSize: DEFAULT_WINDOW,
    maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
    maxHeaderListSize: Number.POSITIVE_INFINITY,
    enablePush: true,
    headerTableSize: DEFAULT_HEADER_TABLE_SIZE,
  };
}

/**
 * Applies one SETTINGS payload to `settings`; returns the connection error it is (§6.5.2: ENABLE_PUSH not 0/1 and
 * MAX_FRAME_SIZE out of range are PROTOCOL_ERROR, an INITIAL_WINDOW_SIZE over 2^31-1 is FLOW_CONTROL_ERROR), or
 * `undefined`. Unknown identifiers are ignored (§6.5.2). The payload length was checked by the caller.
 */
export function applySettings(settings: PeerSettings, payload: Buffer): number | undefined {
  for (let at = 0; at + 6 <= payload.length; at += 6) {
    const id = payload.readUInt16BE(at);
    const value = payload.readUInt32BE(at + 2);
    switch (id) {
      case SettingId.ENABLE_PUSH:
        if (value > 1) return ErrorCode.PROTOCOL_ERROR;
        settings.enablePush = value === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        settings.maxConcurrentStreams = value;
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW) return ErrorCode.FLOW_CONTROL_ERROR;
        settings.initialWindowSize = value;
        break;
      case SettingId.MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_FRAME_SIZE_LIMIT) return ErrorCode.PROTOCOL_ERROR;
        settings.maxFrameSize = value;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        settings.maxHeaderListSize = value;
        break;
      case SettingId.HEADER_TABLE_SIZE:
        settings.headerTableSize = value;
        break;
      default:
        // Unknown identifiers are ignored.
        break;
    }
  }
  return undefined;
}
