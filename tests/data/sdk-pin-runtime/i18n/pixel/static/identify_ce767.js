/* ttq-harness test fixture: stands in for the SDK's identify chunk. */
(window.__ttqRuntimeModules = window.__ttqRuntimeModules || []).push('identify');
