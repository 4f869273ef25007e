/**
 * The URL a client opens a KubeOps WebSocket with: a single-use ticket from
 * POST /api/v1/ws-tickets (signed in with `token`) in the query, as the console does.
 */
export async function socketUrl(baseUrl: string, path: string, token: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/ws-tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 201) {
    throw new Error(`ticket refused: ${response.status} ${await response.text()}`);
  }
  const { ticket } = (await response.json()) as { ticket: string };
  const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
  url.searchParams.set('ticket', ticket);
  return url.toString();
}
