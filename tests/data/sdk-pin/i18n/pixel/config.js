/* ttq-harness test fixture: stands in for the SDK's config.js. */
(window.__ttqPinnedModules = window.__ttqPinnedModules || []).push('config');
