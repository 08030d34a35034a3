/** Public entry of the Vertex AR API. */
export { buildApp, DEFAULT_LIMITS, type AppOptions } from './app.ts';
export { startServer, type ServerOptions, type RunningServer } from './server/process/start-server.ts';
export { VertexError, type VertexErrorCode, type ErrorBody } from './errors.ts';
export type { UploadLimits } from './context.ts';
export type { PortraitAssets, PortraitGenerator, PortraitMarker } from './uploads/portrait-generator.ts';
export { acceptWebSocket, refuseUpgrade, ServerWebSocket } from './live/websocket.ts';
