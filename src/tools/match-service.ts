import { joinSpoken } from "./describe-slots.js";

/**
 * Finds the tenant's own spelling of a service the model named, ignoring case, spacing,
 * punctuation and a plural "s" ("blocked drain" → "Blocked drains").
 */
export function matchService(services: readonly string[], input: string): string | undefined {
  const wanted = normalize(input);
  if (wanted === "") return undefined;
  return normalizedServices(services).get(wanted);
}

// A tenant's service list is fixed while its document is cached: normalize it once.
const normalizedByList = new WeakMap<readonly string[], Map<string, string>>();

/** Normalized name → the tenant's spelling (the first one, when two normalize alike). */
function normalizedServices(services: readonly string[]): Map<string, string> {
  let byName = normalizedByList.get(services);
  if (byName === undefined) {
    byName = new Map();
    for (const service of services) {
      const name = normalize(service);
      if (!byName.has(name)) byName.set(name, service);
    }
    normalizedByList.set(services, byName);
  }
  return byName;
}

/** The sentence the assistant can say when a service is not offered. */
export function unknownServiceError(services: readonly string[], input: string): string {
  return `We don't offer "${input.trim()}". The services are ${joinSpoken(
    services,
    "and",
  )}; please choose one of those, or offer to take a message.`;
}

function normalize(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .map((word) => (word.length > 3 && word.endsWith("s") ? word.slice(0, -1) : word))
    .join(" ");
}
