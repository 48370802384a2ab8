import { z } from "zod";
import type { Tenant } from "../tenants/tenant-document.js";
import { runIdempotent } from "./idempotent.js";
import type { ToolContext, ToolDefinition, ToolOutcome } from "./tool-definition.js";

export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolRegistry {
  /** Tools this tenant's assistant is offered, with their JSON Schema. */
  specsFor(tenant: Tenant): ToolSpec[];
  /** Validates arguments and runs the tool; never throws. */
  run(name: string, rawArgs: unknown, ctx: ToolContext): Promise<ToolOutcome>;
  has(name: string): boolean;
}

/** Arguments a model might use to point a tool at another tenant; always ignored. */
const TENANT_OVERRIDE_KEYS = ["tenantId", "tenant_id", "tenant"];

/**
 * Holds each tool's definition once: the same schema is offered to the model and validates what
 * comes back. Registering two tools with one name throws at start-up.
 */
export function createToolRegistry(tools: readonly ToolDefinition<unknown>[]): ToolRegistry {
  const byName = new Map<string, ToolDefinition<unknown>>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
    byName.set(tool.name, tool);
  }
  const specCache = new Map<string, ToolSpec>();
  const specOf = (tool: ToolDefinition<unknown>): ToolSpec => {
    let spec = specCache.get(tool.name);
    if (spec === undefined) {
      const schema = z.toJSONSchema(tool.argsSchema, { io: "input", unrepresentable: "any" });
      delete schema.$schema;
      spec = { name: tool.name, description: tool.description, parameters: schema };
      specCache.set(tool.name, spec);
    }
    return spec;
  };

  return {
    specsFor(tenant) {
      return [...byName.values()]
        .filter((tool) => tool.isAvailableFor?.(tenant) ?? true)
        .map(specOf);
    },

    has(name) {
      return byName.has(name);
    },

    async run(name, rawArgs, ctx) {
      const tool = byName.get(name);
      if (tool === undefined || !(tool.isAvailableFor?.(ctx.tenant) ?? true)) {
        return { ok: false, error: `The tool "${truncate(name, 60)}" is not available here.` };
      }
      const args = withoutTenantOverrides(rawArgs);
      const parsed = tool.argsSchema.safeParse(args);
      if (!parsed.success) {
        return {
          ok: false,
          error: `Some details were missing or invalid: ${summarizeIssues(parsed.error)}.`,
        };
      }
      const execute = (toolCtx: ToolContext) => tool.execute(toolCtx, parsed.data);
      return tool.sideEffects === true
        ? runIdempotent(ctx, tool.name, parsed.data, execute)
        : execute(ctx);
    },
  };
}

function withoutTenantOverrides(args: unknown): unknown {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return args;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!TENANT_OVERRIDE_KEYS.includes(key)) copy[key] = value;
  }
  return copy;
}

function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((issue) => {
      const field = issue.path.join(".") || "arguments";
      // zod says "Invalid input: expected string, received undefined"; say it as a person would.
      if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
        return `${field} is missing`;
      }
      return `${field} ${issue.message.toLowerCase()}`;
    })
    .join("; ");
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
