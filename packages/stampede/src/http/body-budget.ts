/**
 * The per-thread budget of response bodies in flight (issue 12), shared by both transports of the scripted session
 * (undici's Exchange and the lean path's parser in collect mode): 100 users reading 100 MB chunked bodies must not
 * buffer maxBodyBytes each. Module state, so one budget per worker thread. Whoever reserves bytes releases them
 * when the exchange ends (the body then belongs to user code, or is dropped).
 */

/** Per-thread budget of response bodies in flight, bytes: two bodies at the default maxBodyBytes (64 MiB). */
export const BODY_BUDGET_BYTES = 128 * 1024 * 1024;

let bufferedBytes = 0;

/** Count `bytes` more body in flight. False (nothing counted) when that would cross BODY_BUDGET_BYTES. */
export function reserveBodyBytes(bytes: number): boolean {
  if (bufferedBytes + bytes > BODY_BUDGET_BYTES) return false;
  bufferedBytes += bytes;
  return true;
}

/** Give back `bytes` reserved by reserveBodyBytes() (the exchange that held them ended). */
export function releaseBodyBytes(bytes: number): void {
  bufferedBytes -= bytes;
}
