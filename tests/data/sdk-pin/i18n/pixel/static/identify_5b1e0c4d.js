/* ttq-harness test fixture: stands in for the SDK's identify module. */
(window.__ttqPinnedModules = window.__ttqPinnedModules || []).push('identify');
