// Message catalogs from the daemon; every visible word comes from here, numbers and dates via Intl.
let current = 'en';
let messages = {};

export async function setLanguage(language) {
  if (language === current && Object.keys(messages).length) return;
  const response = await fetch(`/api/i18n/${language}`);
  messages = await response.json();
  current = language;
  document.documentElement.lang = language;
  apply(document);
}

export const language = () => current;
export const other = () => (current === 'en' ? 'es' : 'en');

// A missing key shows the key itself, so the catalog test catches it instead of a blank.
export const t = (key) => (key in messages ? messages[key] : key);

export function apply(root) {
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
}

export const dateTime = (ms) =>
  new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ms));
export const time = (ms) => new Intl.DateTimeFormat(current, { timeStyle: 'medium' }).format(new Date(ms));
// Document dates are calendar dates: format them in UTC so no time zone shifts the day.
export const day = (iso) =>
  new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
export const number = (value) => new Intl.NumberFormat(current).format(value);
export const percent = (value) =>
  new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 0 }).format(value);
