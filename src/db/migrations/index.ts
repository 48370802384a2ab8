import type { Migration } from "kysely";
import * as tenants from "./001-tenants.js";

/** Every migration, keyed by a name that sorts in the order they must run. */
export const MIGRATIONS: Record<string, Migration> = {
  "001-tenants": tenants,
};
