import { answerQuestionTool } from "./answer-question.js";
import { bookAppointmentTool } from "./book-appointment.js";
import { checkAvailabilityTool } from "./check-availability.js";
import { createLeadTool } from "./create-lead.js";
import { takeMessageTool } from "./take-message.js";
import type { ToolDefinition } from "./tool-definition.js";

/** Every tool frontdesk offers; the registry rejects duplicate names at start-up. */
export const ALL_TOOLS: readonly ToolDefinition<unknown>[] = [
  createLeadTool,
  checkAvailabilityTool,
  bookAppointmentTool,
  takeMessageTool,
  answerQuestionTool,
];
