import { z } from 'zod';
import {
  alertWebhookBodySchema,
  deviceEventBodySchema,
  endpointDisabledBodySchema,
  restartRequestSchema,
  sessionEventBodySchema,
  telemetryDroppedBodySchema,
  webhookEventBodySchema,
} from './events';
import { sessionStatusSchema } from './session';
import { telemetryMessageSchema } from './telemetry-message';

/** The base of the published schemas' `$id`: a name, not an address (the files live in schemas/ of the repository). */
export const SCHEMA_BASE_URL = 'urn:switch-telemetry:schemas:';

/** Every message another team may build against, as a JSON Schema file under schemas/ (language-neutral). */
export const PUBLISHED_SCHEMAS: ReadonlyArray<{ file: string; title: string; schema: z.ZodType }> = [
  { file: 'telemetry-message.v1.json', title: 'SwitchTelemetry telemetry message, version 1', schema: telemetryMessageSchema },
  { file: 'device-event.v1.json', title: 'events.device.upserted / events.device.deleted, version 1', schema: deviceEventBodySchema },
  {
    file: 'session-event.v1.json',
    title: 'events.session.<state> and events.alert.session_down, version 1',
    schema: sessionEventBodySchema,
  },
  { file: 'session-status.v1.json', title: 'A session status in the sessions KV bucket and GET /v1/sessions', schema: sessionStatusSchema },
  { file: 'telemetry-dropped.v1.json', title: 'events.alert.telemetry_dropped, version 1', schema: telemetryDroppedBodySchema },
  { file: 'restart-request.v1.json', title: 'events.session.restart_requested, version 1', schema: restartRequestSchema },
  { file: 'webhook-event.v1.json', title: 'events.webhook.<source>.<event>, version 1', schema: webhookEventBodySchema },
  { file: 'endpoint-disabled.v1.json', title: 'events.endpoint.disabled, version 1', schema: endpointDisabledBodySchema },
  { file: 'alert-webhook.v1.json', title: 'The body of an outgoing alert webhook, version 1', schema: alertWebhookBodySchema },
];

/** The file contents of every published schema (JSON Schema 2020-12), as `npm run schemas` writes them. */
export function renderSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { file, title, schema } of PUBLISHED_SCHEMAS) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
    const { $schema, ...rest } = json;
    out[file] = `${JSON.stringify({ $schema, $id: `${SCHEMA_BASE_URL}${file}`, title, ...rest }, null, 2)}\n`;
  }
  return out;
}
