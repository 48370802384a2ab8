import type { ToolDefinition } from "./tool-definition.js";

/** Every tool frontdesk offers; the registry rejects duplicate names at start-up. */
export const ALL_TOOLS: readonly ToolDefinition<never>[] = [];
