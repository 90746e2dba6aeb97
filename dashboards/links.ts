// Data links between dashboards. A ticket id in any table opens the ticket timeline,
// keeping the time range (its panels look LOOKBACK_DAYS before the range start).
// To send people to the ticketing core instead, change the url here: every ticket
// link in every dashboard follows.

export const TICKET_DASHBOARD_UID = 'ticketpulse-ticket';

export function ticketLink(): { title: string; url: string } {
  return {
    title: 'Ticket timeline',
    url: `/d/${TICKET_DASHBOARD_UID}/ticket-timeline?var-ticket_id=\${__value.raw}&\${__url_time_range}`,
  };
}
