import type * as http from 'node:http'

/** Header names a page may send (`Access-Control-Request-Headers`, reflected): tokens and commas only. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/

/**
 * What a page on another origin gets on `/v1` (like OpenAI's API, which web apps call directly):
 * any origin may read the answers (`*`: no cookies are involved, the key travels in a header the page
 * sets itself), and only requests with an API key are served (the server checks that; the admin
 * token is refused from other origins). Nothing of this applies to `/api` or the WebSocket.
 */
export function corsHeaders(): Record<string, string> {
  return { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-request-id, retry-after, x-should-retry, x-warden-notice' }
}

/**
 * A browser's preflight (`OPTIONS`): 204 with the methods and the headers the page asked for, and
 * Chrome's Private Network Access permission (a page on the internet calling 127.0.0.1) when asked;
 * the request that follows is checked as any other (a key, never the admin token).
 */
export function answerPreflight(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume()
  const asked = (req.headers['access-control-request-headers'] ?? '').trim()
  const headers: Record<string, string> = {
    ...corsHeaders(),
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': asked && asked.length <= 2000 && HEADER_LIST.test(asked) ? asked : 'authorization, content-type',
    'access-control-max-age': '600',
    vary: 'Access-Control-Request-Headers',
    allow: 'GET, POST, OPTIONS',
  }
  if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true'
  res.writeHead(204, headers)
  res.end()
}
