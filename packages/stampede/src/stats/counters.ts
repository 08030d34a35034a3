/**
 * Named counters of an endpoint (Recorder.count), and the two families the readers know: requests answered per
 * protocol, and a WebSocket's messages and bytes. Names are `family:member`, so a reader selects a family by prefix.
 */

/** Requests answered per protocol: `protocol:h2`, `protocol:http/1.1`. */
export const PROTOCOL_FAMILY = 'protocol:';
/** A WebSocket's traffic, counted on its handshake row: `ws:messages_sent`, `ws:bytes_received`, … */
export const WEBSOCKET_FAMILY = 'ws:';

/** The WebSocket counters, one constant string each (no concatenation per message). */
export const WS_MESSAGES_SENT = 'ws:messages_sent';
export const WS_MESSAGES_RECEIVED = 'ws:messages_received';
export const WS_BYTES_SENT = 'ws:bytes_sent';
export const WS_BYTES_RECEIVED = 'ws:bytes_received';

/** The members of one family with their counts (family prefix removed); undefined when the family is absent. */
export function counterFamily(counts: ReadonlyMap<string, number>, family: string): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  for (const [counter, n] of counts) {
    if (counter.startsWith(family)) (out ??= {})[counter.slice(family.length)] = n;
  }
  return out;
}
