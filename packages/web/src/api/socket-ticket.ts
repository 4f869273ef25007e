import { api } from './http';

/**
 * A single-use ticket for opening one WebSocket. A socket URL carries it
 * instead of the access token: browsers cannot send headers on a socket, and
 * URLs end up in logs.
 */
export async function socketTicket(): Promise<string> {
  return (await api.post<{ ticket: string; expiresIn: number }>('/api/v1/ws-tickets')).ticket;
}
