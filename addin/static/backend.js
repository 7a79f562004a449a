// The one helper that talks to the OKR Cadence backend from a task pane: it owns the
// token, the retry on throttling and the decoding of the project's error shape.
/* exported callBackend, BackendError */
"use strict";

class BackendError extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details || {};
  }
}

async function accessToken() {
  // Office SSO where the add-in is registered; the embedded default needs no token.
  if (typeof OfficeRuntime === "undefined" || !OfficeRuntime.auth || window.OKR_NO_SSO) return null;
  try {
    return await OfficeRuntime.auth.getAccessToken({ allowSignInPrompt: true, allowConsentPrompt: true });
  } catch (err) {
    return null; // the backend answers 401 with a message when it needs a token
  }
}

// GET answers that came with an ETag, kept in this pane's memory only (the API says no-store):
// asking again with If-None-Match, a 304 means the kept answer is still the current one.
const kept = new Map();

async function callBackend(path, { method = "GET", body, contentType } = {}) {
  const headers = {};
  const token = await accessToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (contentType) headers["Content-Type"] = contentType;
  if (method === "GET" && kept.has(path)) headers["If-None-Match"] = kept.get(path).etag;
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, { method, body, headers });
    if ((response.status === 429 || response.status === 503) && attempt < 2) {
      const wait = Math.min(30, Number(response.headers.get("Retry-After")) || 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    if (response.status === 304 && kept.has(path)) return kept.get(path).payload;
    const payload = await response.json().catch(() => null);
    const etag = response.headers.get("ETag");
    if (response.ok && method === "GET" && etag) kept.set(path, { etag, payload });
    if (response.ok) return payload;
    const error = (payload && payload.error) || {};
    throw new BackendError(error.code || `http_${response.status}`,
      error.message || `The server answered ${response.status}.`, error.details);
  }
}
