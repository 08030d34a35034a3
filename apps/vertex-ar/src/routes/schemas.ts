/**
 * JSON schemas shared by routes. Fastify uses the same objects to validate requests, serialise
 * responses (which also keeps fields like password hashes from ever leaking) and publish /openapi.json.
 */

/** `:id` path parameter: a positive integer within the safe range. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
} as const;

/** `?limit&offset` for list endpoints. */
export const pageQueryProperties = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
} as const;

/** Query object of a list endpoint with no filters. */
// Unknown query parameters are ignored (cache busters and tracking parameters are common and harmless).
export const pageQuery = { type: 'object', properties: pageQueryProperties } as const;

/** Parsed `?limit&offset`. */
export interface PageQuery {
  limit: number;
  offset: number;
}

/** Parsed `:id`. */
export interface IdParams {
  id: number;
}

/** A list envelope around `item`. */
export function listOf(item: object): object {
  return {
    type: 'object',
    required: ['items', 'total', 'limit', 'offset'],
    properties: {
      items: { type: 'array', items: item },
      total: { type: 'integer' },
      limit: { type: 'integer' },
      offset: { type: 'integer' },
    },
  };
}

/** Error responses a route may give, all with the same body. */
export function errorResponses(...statuses: number[]): Record<number, object> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ErrorBody#' }]));
}

const nullableString = { type: ['string', 'null'] } as const;

/** A user as the API shows it. */
export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    email: nullableString,
    role: { type: 'string', enum: ['user', 'admin'] },
    created_at: { type: 'string' },
  },
} as const;

/** A client as the API shows it. */
export const clientSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    user_id: { type: 'integer' },
    name: { type: 'string' },
    phone: nullableString,
    email: nullableString,
    notes: nullableString,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

/** Marker summary: the full marker is a file at `marker_url`. */
export const markerSummarySchema = {
  type: 'object',
  properties: {
    url: { type: 'string' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    keypoint_count: { type: 'integer' },
  },
} as const;

/** A portrait as the API shows it. */
export const portraitSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    public_id: { type: 'string', description: 'the id of the public AR content, `GET /ar/:publicId`' },
    client_id: { type: 'integer' },
    image_url: { type: 'string' },
    thumbnail_url: { type: 'string' },
    marker: markerSummarySchema,
    format: { type: 'string' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    image_bytes: { type: 'integer' },
    view_count: { type: 'integer' },
    created_at: { type: 'string' },
  },
} as const;

/** A video as the API shows it. */
export const videoSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    portrait_id: { type: 'integer' },
    url: { type: 'string' },
    content_type: { type: 'string' },
    size_bytes: { type: 'integer' },
    starts_at: nullableString,
    ends_at: nullableString,
    created_at: { type: 'string' },
  },
} as const;

/** Security requirement for bearer-token routes, for the OpenAPI document. */
export const bearerSecurity = [{ bearerAuth: [] }];
