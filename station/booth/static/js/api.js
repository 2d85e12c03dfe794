// fetch wrappers: JSON in and out, the CSRF header on every POST, error codes not texts.
let csrf = '';

export const setCsrf = (token) => { csrf = token; };

export class ApiError extends Error {
  constructor(status, code) {
    super(code);
    this.status = status;
    this.code = code;
  }
}

async function handle(response) {
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || 'server_error');
  return body;
}

async function send(path, options) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...options });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network');
  }
  return handle(response);
}

export const get = (path) => send(path, {});

export const post = (path, body, signal) => send(path, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
  body: JSON.stringify(body || {}),
  signal,
});
