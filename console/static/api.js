// Every request of the console goes through here: the signed-in token from sessionStorage (never
// the URL) in the Authorization header, and the API's error body turned into an ApiError.
const KEY = "hotline.token";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.errorId = body?.error_id || `http.${status}`;
    this.details = body?.details || {};
  }
}

export function token() { return sessionStorage.getItem(KEY); }
export function setToken(value) { sessionStorage.setItem(KEY, value); }
export function clearToken() { sessionStorage.removeItem(KEY); }

export async function request(method, path, { body, params, as = "json", with_token } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Authorization: `Bearer ${with_token ?? token() ?? ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { error_id: "network", message: String(e) });
  }
  if (!response.ok) {
    let payload = null;
    try { payload = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, payload);
  }
  return as === "text" ? response.text() : response.json();
}

export const get = (path, params, opts = {}) => request("GET", path, { params, ...opts });
export const post = (path, body) => request("POST", path, { body });
export const patch = (path, body) => request("PATCH", path, { body });
