// AlertsPort implementations. The service's port changes alerts through the service
// (so timers and notifications follow); the store-only port is for processes that
// serve the API without running the alert service: it reads ClickHouse and writes
// acknowledgements and resolutions as new versions, which the service picks up.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError } from '../../core/errors.ts';
import type { AlertsPort } from '../../core/ports/alerts.ts';
import { alertToDto, deliveryToDto } from './dto.ts';
import { ackRecord, resolveRecordQuietly } from './lifecycle.ts';
import { RowWriter } from './row-writer.ts';
import { alertRow } from './store-rows.ts';
import { AlertStore } from './store.ts';

export function createStoreReads(store: AlertStore): Omit<AlertsPort, 'ack' | 'resolve'> {
  return {
    async list(query) {
      const page = await store.listAlerts(query);
      return { alerts: page.alerts.map(alertToDto), next_cursor: page.next_cursor };
    },
    async get(id) {
      const alert = await store.latestAlert(id);
      if (!alert) throw new TicketPulseError('not_found', `no alert ${id}`, { field: 'id' });
      const [history, deliveries] = await Promise.all([store.history(id), store.deliveriesForAlert(id)]);
      return { alert: alertToDto(alert), history, deliveries: deliveries.map(deliveryToDto) };
    },
    async listDeliveries(query) {
      const page = await store.listDeliveries(query);
      return { deliveries: page.deliveries.map(deliveryToDto), next_cursor: page.next_cursor };
    },
    deliveryStats: () => store.deliveryStats(),
  };
}

export function createAlertsStorePort(ch: ClickHouse, opts: { now?: () => number } = {}): AlertsPort {
  const store = new AlertStore(ch);
  const writer = new RowWriter(ch);
  const now = opts.now ?? Date.now;
  const load = async (id: string) => {
    const a = await store.latestAlert(id);
    if (!a) throw new TicketPulseError('not_found', `no alert ${id}`, { field: 'id' });
    return a;
  };
  return {
    ...createStoreReads(store),
    async ack(id, by, note = '') {
      const { alert } = ackRecord(await load(id), by, note, now());
      await writer.write({ alerts: [alertRow(alert)] });
      return alertToDto(alert);
    },
    async resolve(id, by, note = '') {
      const { alert } = resolveRecordQuietly(await load(id), by, note, now());
      await writer.write({ alerts: [alertRow(alert)] });
      return alertToDto(alert);
    },
  };
}
