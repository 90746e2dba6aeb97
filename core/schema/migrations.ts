// The ordered list of migrations. Add new ones at the end with the next version.
import type { Migration } from './migration.ts';
import { deadLetters, ticketEvents } from './001_ticket_events.ts';

export const MIGRATIONS: readonly Migration[] = [ticketEvents, deadLetters];
