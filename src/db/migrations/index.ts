import type { Migration } from "kysely";
import * as tenants from "./001-tenants.js";
import * as calls from "./002-calls.js";
import * as tools from "./003-tools.js";
import * as callerIndexes from "./004-caller-indexes.js";
import * as jobs from "./005-jobs.js";
import * as recordIndexes from "./006-record-indexes.js";
import * as tenantChanges from "./007-tenant-changes.js";
import * as toolInvocationKey from "./008-tool-invocation-key.js";

/** Every migration, keyed by a name that sorts in the order they must run. */
export const MIGRATIONS: Record<string, Migration> = {
  "001-tenants": tenants,
  "002-calls": calls,
  "003-tools": tools,
  "004-caller-indexes": callerIndexes,
  "005-jobs": jobs,
  "006-record-indexes": recordIndexes,
  "007-tenant-changes": tenantChanges,
  "008-tool-invocation-key": toolInvocationKey,
};
