(function(){
  var d=document;
  function openTo(el){for(;el;el=el.parentElement){if(el.tagName==='DETAILS'){el.open=true;}}}
  function fromHash(){var id=decodeURIComponent(location.hash.slice(1));
    if(id){var el=d.getElementById(id);if(el){openTo(el);el.scrollIntoView();}}}
  window.addEventListener('hashchange',fromHash);fromHash();
  var table=d.getElementById('page-table');
  if(table){
    // An audit's pages: filter as you type, click a column heading to sort (again: reverse).
    var pt=d.getElementById('page-tools'),pf=d.getElementById('page-filter');pt.hidden=false;
    var body=table.tBodies[0];
    pf.addEventListener('input',function(){var t=pf.value.toLowerCase();
      Array.prototype.forEach.call(body.rows,function(r){
        r.classList.toggle('filtered-out',!!t&&r.getAttribute('data-text').indexOf(t)<0);});});
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
      th.classList.add('sortable');th.addEventListener('click',function(){
        var num=th.getAttribute('data-sort')==='num',down=th.getAttribute('aria-sort')==='ascending';
        Array.prototype.forEach.call(th.parentNode.cells,function(c){c.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',down?'descending':'ascending');
        var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=a.cells[col].textContent,y=b.cells[col].textContent;
          var c=num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);return down?-c:c;});
        rows.forEach(function(r){body.appendChild(r);});});});
  }
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
