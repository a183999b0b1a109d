/** Frame types of RFC 9113 §6 (others are extensions and are ignored, §4.1 and §5.5). */
export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

/** Frame flags; `ACK` shares its bit with `END_STREAM` (they belong to different frame types). */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Error codes of RFC 9113 §7, carried by RST_STREAM and GOAWAY. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** Setting identifiers of RFC 9113 §6.5.2. */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The size of every frame header (§4.1). */
export const FRAME_HEADER_SIZE = 9;
/** The initial flow-control window of every stream and of the connection (§6.9.2). */
export const DEFAULT_WINDOW = 65_535;
/** The largest frame a peer may send before it knows our SETTINGS, and the floor of `MAX_FRAME_SIZE` (§4.2). */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** The ceiling of `MAX_FRAME_SIZE` (§6.5.2). */
export const MAX_FRAME_SIZE_LIMIT = 16_777_215;
/** The largest window and window increment (§6.9.1). */
export const MAX_WINDOW = 2_147_483_647;

/** The client connection preface (§3.4). */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
