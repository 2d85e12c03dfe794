// Inactivity: input restarts the clock (and tells the daemon, at most every 15 s); past the limit the screen locks.
import { post } from './api.js';

let limitMs = 120000;
let lastInput = Date.now();
let lastPing = 0;
let timer = null;
let onLock = () => {};

function input() {
  lastInput = Date.now();
  if (timer && lastInput - lastPing > 15000) {
    lastPing = lastInput;
    post('/api/activity').catch(() => {});
  }
}

['keydown', 'pointerdown', 'wheel', 'touchstart'].forEach((name) => document.addEventListener(name, input, true));

export function startIdle(limitSeconds, locked) {
  limitMs = limitSeconds * 1000;
  onLock = locked;
  lastInput = Date.now();
  if (timer) return;
  timer = setInterval(() => {
    if (Date.now() - lastInput > limitMs) {
      stopIdle();
      onLock();
    }
  }, 1000);
}

export function stopIdle() {
  clearInterval(timer);
  timer = null;
}
