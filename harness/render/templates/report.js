(function(){
  var d=document;
  function openTo(el){for(;el;el=el.parentElement){if(el.tagName==='DETAILS'){el.open=true;}}}
  function fromHash(){var id=decodeURIComponent(location.hash.slice(1));
    if(id){var el=d.getElementById(id);if(el){openTo(el);el.scrollIntoView();}}}
  window.addEventListener('hashchange',fromHash);fromHash();
  var tools=d.getElementById('tools');if(!tools){return;}tools.hidden=false;
  function all(open){d.querySelectorAll('details').forEach(function(x){x.open=open;});}
  d.getElementById('expand-all').addEventListener('click',function(){all(true);});
  d.getElementById('collapse-all').addEventListener('click',function(){all(false);});
  var only=d.getElementById('failures-only');
  if(only){only.addEventListener('change',function(){
    d.body.classList.toggle('failures-only',only.checked);});}
  var q=d.getElementById('event-filter');
  q.addEventListener('input',function(){var t=q.value.toLowerCase();
    d.querySelectorAll('tr.ev-row').forEach(function(r){
      var hit=!t||(r.getAttribute('data-names')||'').indexOf(t)>=0;
      r.classList.toggle('filtered-out',!hit);});});
})();
