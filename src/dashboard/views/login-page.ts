import { html, type SafeHtml } from "../html.js";
import { brand, documentShell } from "./layout.js";

export interface LoginPageOptions {
  /** Where to go after signing in (already checked to be a dashboard path). */
  next: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
}

/** The sign-in form: the admin token, or a tenant's read-only access token. */
export function loginPage(options: LoginPageOptions): SafeHtml {
  const error = options.error;
  return documentShell(
    "Sign in",
    html`<body>
      <main id="main" class="login">
        <div class="card">
          <div class="brand">${brand()}</div>
          <h1>Sign in to the dashboard</h1>
          <p class="muted">
            Use the operator's admin token, or a read-only access token issued for one business.
          </p>
          ${options.notice === undefined ? "" : html`<div class="alert info" role="status">${options.notice}</div>`}
          ${error === undefined ? "" : html`<div class="alert error" role="alert" id="token-error">${error}</div>`}
          <form method="post" action="/dashboard/login">
            ${options.next === undefined ? "" : html`<input type="hidden" name="next" value="${options.next}" />`}
            <div class="field">
              <label for="token">Access token</label>
              <input
                type="password"
                id="token"
                name="token"
                autocomplete="current-password"
                required
                autofocus
                spellcheck="false"
                ${error === undefined ? "" : html` aria-invalid="true" aria-describedby="token-error"`}
              />
            </div>
            <button type="submit" class="primary">Sign in</button>
          </form>
        </div>
      </main>
    </body>`,
  );
}
