// An ES module: calls ttq through the global, as bundled apps do.
document.getElementById('module').addEventListener('click', () => {
  window.ttq.track('Search', { query: 'dress', value: 1, currency: 'USD' });
});
