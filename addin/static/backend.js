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

async function callBackend(path, { method = "GET", body, contentType } = {}) {
  const headers = {};
  const token = await accessToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (contentType) headers["Content-Type"] = contentType;
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, { method, body, headers });
    if ((response.status === 429 || response.status === 503) && attempt < 2) {
      const wait = Math.min(30, Number(response.headers.get("Retry-After")) || 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    const payload = await response.json().catch(() => null);
    if (response.ok) return payload;
    const error = (payload && payload.error) || {};
    throw new BackendError(error.code || `http_${response.status}`,
      error.message || `The server answered ${response.status}.`, error.details);
  }
}
