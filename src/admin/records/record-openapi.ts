import { z } from "zod";
import {
  BookingPageSchema,
  BookingSchema,
  CallDetailSchema,
  CallPageSchema,
  CallRecordSchema,
  CallSummarySchema,
  DeliveryAttemptSchema,
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliverySchema,
  LeadPageSchema,
  LeadSchema,
  ListBookingsQuerySchema,
  ListCallsQuerySchema,
  ListDeliveriesQuerySchema,
  ListLeadsQuerySchema,
  ListMessagesQuerySchema,
  MessagePageSchema,
  MessageSchema,
  RecordScopeQuerySchema,
  StatusEventSchema,
  ToolInvocationSchema,
  TransferSchema,
} from "./record-schemas.js";

type JsonObject = Record<string, unknown>;

/**
 * The read-side response shapes, by OpenAPI component name. The admin document registers them
 * next to the tenant shapes, so nested ones (a Lead inside a CallDetail) become `$ref`s.
 */
export const RECORD_SCHEMAS: Record<string, z.ZodType> = {
  CallSummary: CallSummarySchema,
  CallRecord: CallRecordSchema,
  StatusEvent: StatusEventSchema,
  Lead: LeadSchema,
  Booking: BookingSchema,
  Message: MessageSchema,
  ToolInvocation: ToolInvocationSchema,
  Transfer: TransferSchema,
  Delivery: DeliverySchema,
  DeliveryAttempt: DeliveryAttemptSchema,
  DeliveryDetail: DeliveryDetailSchema,
  CallDetail: CallDetailSchema,
  CallPage: CallPageSchema,
  LeadPage: LeadPageSchema,
  BookingPage: BookingPageSchema,
  MessagePage: MessagePageSchema,
  DeliveryPage: DeliveryPageSchema,
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject) => ({ "application/json": { schema } });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

/** Query parameters generated from the zod schema the service parses the query with. */
function queryParameters(schema: z.ZodType): JsonObject[] {
  const generated = z.toJSONSchema(schema, { io: "input" });
  return Object.entries(generated.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as JsonObject;
    return { name, in: "query", required: false, description, schema: rest };
  });
}

function idParameter(description: string): JsonObject {
  return { name: "id", in: "path", required: true, description, schema: { type: "string" } };
}

function listOperation(
  operationId: string,
  summary: string,
  query: z.ZodType,
  page: string,
): JsonObject {
  return {
    get: {
      operationId,
      summary,
      parameters: queryParameters(query),
      responses: {
        200: { description: "One page", content: json(ref(page)) },
        400: errorRef("ValidationFailed"),
        401: errorRef("Unauthorized"),
      },
    },
  };
}

/** The paths of the read side: calls, leads, bookings, messages, deliveries. */
export function buildRecordPaths(): JsonObject {
  const scope = queryParameters(RecordScopeQuerySchema);
  const notFoundOrBadQuery = {
    400: errorRef("ValidationFailed"),
    401: errorRef("Unauthorized"),
    404: errorRef("NotFound"),
  };
  return {
    "/calls": listOperation(
      "listCalls",
      "List calls, newest first (filter by tenant, status, ended reason, creation time)",
      ListCallsQuerySchema,
      "CallPage",
    ),
    "/calls/{id}": {
      parameters: [idParameter("Vapi's call id.")],
      get: {
        operationId: "getCall",
        summary:
          "One call with its status timeline, leads, bookings, messages, tool invocations, transfers and deliveries",
        parameters: scope,
        responses: {
          200: { description: "The call", content: json(ref("CallDetail")) },
          ...notFoundOrBadQuery,
        },
      },
    },
    "/leads": listOperation(
      "listLeads",
      "List leads, newest first",
      ListLeadsQuerySchema,
      "LeadPage",
    ),
    "/bookings": listOperation(
      "listBookings",
      "List bookings by when they were made, newest first",
      ListBookingsQuerySchema,
      "BookingPage",
    ),
    "/messages": listOperation(
      "listMessages",
      "List messages callers left, newest first",
      ListMessagesQuerySchema,
      "MessagePage",
    ),
    "/deliveries": listOperation(
      "listDeliveries",
      "List tenant webhook deliveries, newest first (payloads left out)",
      ListDeliveriesQuerySchema,
      "DeliveryPage",
    ),
    "/deliveries/{id}": {
      parameters: [idParameter("The delivery id (the `webhook-id`).")],
      get: {
        operationId: "getDelivery",
        summary: "One delivery with its body and attempt log",
        parameters: scope,
        responses: {
          200: { description: "The delivery", content: json(ref("DeliveryDetail")) },
          ...notFoundOrBadQuery,
        },
      },
    },
    "/deliveries/{id}/resend": {
      parameters: [idParameter("The delivery id (the `webhook-id`).")],
      post: {
        operationId: "resendDelivery",
        summary: "Re-send a failed delivery",
        description:
          "Only a `failed` delivery can be re-sent: it goes back to `pending`, to the tenant's current webhook URL, with a fresh run of attempts in the background; the body and `webhook-id` stay the same. A `pending` delivery is still being retried and a `succeeded` one was received, so both are 409, as is a tenant without notify settings. Send no body.",
        parameters: scope,
        responses: {
          202: { description: "Queued again (now pending)", content: json(ref("Delivery")) },
          ...notFoundOrBadQuery,
          409: errorRef("Conflict"),
        },
      },
    },
  };
}
