// Sign-in and unlock by PIN, or by a badge tapped at the booth reader (a long poll while the form shows).
import { ApiError, post } from './api.js';
import { $, show } from './dom.js';
import { t } from './i18n.js';

let badgeAbort = null;

function showError(id, error) {
  const code = error instanceof ApiError ? error.code : 'server_error';
  $(id).dataset.i18n = `error.${code}`;
  $(id).textContent = t(`error.${code}`);
  show(id, true);
}

export function initSignin(signedIn, officerId) {
  $('pin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const session = await post('/api/signin/pin', { officer_id: $('officer-id').value, pin: $('pin').value });
      $('pin').value = '';
      show('signin-error', false);
      signedIn(session);
    } catch (error) { showError('signin-error', error); }
  });
  $('unlock-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const session = await post('/api/signin/pin', { officer_id: officerId(), pin: $('unlock-pin').value });
      $('unlock-pin').value = '';
      show('unlock-error', false);
      signedIn(session);
    } catch (error) { showError('unlock-error', error); }
  });
}

export async function waitForBadge(signedIn, errorId) {
  if (badgeAbort) return;
  badgeAbort = new AbortController();
  const { signal } = badgeAbort;
  while (!signal.aborted) {
    try {
      const session = await post('/api/signin/badge', {}, signal);
      if (session) { stopBadge(); signedIn(session); return; }
    } catch (error) {
      if (signal.aborted) return;
      showError(errorId, error);
      if (error.code !== 'unknown_badge') await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

export function stopBadge() {
  if (badgeAbort) badgeAbort.abort();
  badgeAbort = null;
}
