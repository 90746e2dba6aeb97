import Type, { type TSchema } from 'typebox';

/** The one error shape every route answers with. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorResponse' },
);

/**
 * A request body documented in the OpenAPI document but not validated by Fastify,
 * for routes that must see the raw bytes (e.g. ingest dead-letters malformed items
 * exactly as received). The openapi plugin turns it into the operation's requestBody.
 */
export function documentedBody(content: Record<string, TSchema>, description?: string): Record<string, never> {
  return { [DOC_BODY]: { description, content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) } } as unknown as Record<string, never>;
}

export const DOC_BODY = 'x-documented-body';

/** A binary or text response body, for the OpenAPI document. */
export const BinaryBody = Type.String({ contentEncoding: 'binary' });
export const TextBody = Type.String();
