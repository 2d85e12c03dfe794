// The refusal page: in the officer's language.
import { get } from './api.js';
import { setLanguage } from './i18n.js';

get('/api/session').then((session) => setLanguage(session.language)).catch(() => setLanguage('en'));
