// What a page can leave behind for the next page of the same site, and an event for each
// piece of it this page finds: a first visit finds none (tests/browser/test_audit_reuse.py).
(function () {
  var found = [];
  if (/(^|; )consent=granted/.test(document.cookie)) found.push('CookieState');
  if (localStorage.getItem('visited')) found.push('LocalState');
  if (sessionStorage.getItem('visited')) found.push('SessionState');
  if (window.name) found.push('NamedWindow');
  if (history.length > 2) found.push('LongHistory');
  window.stateFound = found;
})();
