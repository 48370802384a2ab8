import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/**
 * Table types for Kysely. Timestamps are ISO-8601 strings in UTC on both SQLite and PostgreSQL
 * (stored as text) so that the two dialects return identical values. JSON documents are stored
 * as text and parsed through their zod schema when read.
 */
export interface Database {
  tenants: TenantsTable;
  phone_numbers: PhoneNumbersTable;
}

export interface TenantsTable {
  id: string;
  name: string;
  timezone: string;
  /** The whole tenant document as JSON text (validated by TenantDocumentSchema). */
  document: string;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface PhoneNumbersTable {
  /** E.164, normalised. */
  number: string;
  vapi_phone_number_id: string | null;
  tenant_id: string;
  created_at: string;
}

export type TenantRow = Selectable<TenantsTable>;
export type NewTenantRow = Insertable<TenantsTable>;
export type TenantRowUpdate = Updateable<TenantsTable>;
export type PhoneNumberRow = Selectable<PhoneNumbersTable>;
export type { Generated };
